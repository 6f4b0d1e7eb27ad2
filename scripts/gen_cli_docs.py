#!/usr/bin/env python3
"""Generate docs/cli.md, the CLI reference, from the live click group's `--help`.

Generated rather than written so it cannot drift: tests/test_docs.py fails when docs/cli.md
differs from this script's output, so a new command or option (by anyone) must be documented
with help text and the reference regenerated:  python scripts/gen_cli_docs.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 100


def context(cmd: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """A context like click's own (the command's context_settings), at a fixed width."""
    settings = {**cmd.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    return click.Context(cmd, info_name=name, parent=parent, **settings)


def commands(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    """Every command under `group`, depth first, with its full name (`kgtool query`)."""
    out: list[tuple[str, click.Command]] = []
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        full = f"{ctx.command_path} {name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, context(cmd, name, ctx)))
    return out


def help_text(cmd: click.Command, name: str, parent: click.Context | None) -> str:
    return cmd.get_help(context(cmd, name, parent)).rstrip() + "\n"


def generate() -> str:
    """The full text of docs/cli.md."""
    sys.path.insert(0, str(ROOT))
    from kgtool.cli import cli

    root = context(cli, "kgtool", None)
    parts = ["# kgtool command-line reference\n",
             "Generated from `--help` by `scripts/gen_cli_docs.py`; do not edit by hand "
             "(`tests/test_docs.py` checks it).\n",
             "## kgtool\n", "```text\n" + help_text(cli, "kgtool", None) + "```\n"]
    for full, cmd in commands(cli, root):
        words = full.split()
        parent = root
        for word in words[1:-1]:
            sub = parent.command.get_command(parent, word)  # type: ignore[attr-defined]
            parent = context(sub, word, parent)
        parts.append(f"## {full}\n")
        parts.append("```text\n" + help_text(cmd, words[-1], parent) + "```\n")
    return "\n".join(parts)


def main() -> None:
    target = ROOT / "docs" / "cli.md"
    sys.path.insert(0, str(ROOT))
    from kgtool.io import atomic_write

    atomic_write(target, generate().encode("utf-8"))
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
