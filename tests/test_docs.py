"""docs/cli.md is generated from the live `--help`, and every command and option is documented.

Because the reference comes from the click group itself, commands added later (by anyone) are
covered: the test fails until they have help text with an example and the reference is
regenerated with `python scripts/gen_cli_docs.py`.
"""
from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import click
import pytest

from kgtool.cli import cli

from conftest import ROOT


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
ROOT_CTX = GEN.context(cli, "kgtool", None)
COMMANDS = GEN.commands(cli, ROOT_CTX)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_cli_reference_is_up_to_date() -> None:
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == GEN.generate(), "docs/cli.md is out of date: run python scripts/gen_cli_docs.py"


def test_there_are_commands_to_document() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"kgtool build", "kgtool validate", "kgtool coverage"} <= names


@pytest.mark.parametrize("name, cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_and_option_is_documented(name: str, cmd: click.Command) -> None:
    sections = _sections((ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))
    assert name in sections, f"{name} is missing from docs/cli.md"
    assert (cmd.help or "").strip(), f"{name} has no help text"
    assert "example" in (cmd.help or "").lower(), f"{name}'s help has no example"
    for param in cmd.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        if set(param.opts) & {"--help", "--version"}:
            continue
        assert (param.help or "").strip(), f"{name} {param.opts[0]} has no help text"
        for opt in param.opts:
            assert opt in sections[name], f"{name} {opt} is not in docs/cli.md"
