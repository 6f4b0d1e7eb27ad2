"""The rule data of `kgtool propose`, read from `kgtool/propose/rules/` (TOML and TSV).

Rules are data so that a curator can extend them for a new kind of document without touching
code: the unit table (`units.tsv`) and the patterns, cue words and scopes (`patterns.toml`).
Everything is read once per run into an immutable `Rules` value that the extractors receive.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kgtool.errors import InputError

RULES_DIR = Path(__file__).resolve().parent / "rules"


@dataclass(frozen=True)
class Unit:
    """One row of units.tsv: the surface form after a number and what it stands for."""

    surface: str
    curie: str
    kind: str           # count | amount | percent | ratio | duration
    scale: int = 1      # multiplier for obsValue (万人: 10000)


@dataclass(frozen=True)
class Rules:
    """Every rule table, as read from the files (see patterns.toml for what each means)."""

    units: tuple[Unit, ...]          # longest surface first
    data: dict[str, Any]
    _compiled: dict[str, "re.Pattern[str]"] = field(default_factory=dict, compare=False, repr=False)

    def compiled(self, name: str, build: "Callable[[Rules], re.Pattern[str]]") -> "re.Pattern[str]":
        """The regex `build(self)`, compiled once per Rules (a run), under `name`."""
        if name not in self._compiled:
            self._compiled[name] = build(self)
        return self._compiled[name]

    def section(self, name: str) -> dict[str, Any]:
        return self.data.get(name, {})

    def longest_first(self, section: str, key: str) -> list[str]:
        """A list (or the keys of a table) of `section.key`, longest first, ties in file order."""
        value = self.section(section).get(key, [])
        items = list(value.keys()) if isinstance(value, dict) else list(value)
        return sorted(items, key=len, reverse=True)

    def alternation(self, section: str, key: str) -> str:
        """A regex alternation of `section.key`, longest first (so 同比增长 beats 增长)."""
        return "|".join(re.escape(w) for w in self.longest_first(section, key))


def _read_units(path: Path) -> tuple[Unit, ...]:
    units: list[Unit] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 4 or not cells[3].isdigit():
            raise InputError("expected surface, unit, kind, scale (tab-separated)", source=str(path),
                             line=number)
        units.append(Unit(cells[0], cells[1], cells[2], int(cells[3])))
    return tuple(sorted(units, key=lambda u: len(u.surface), reverse=True))


def load(rules_dir: Path | None = None) -> Rules:
    """Read the rule files (InputError with the file and line when one is malformed)."""
    folder = rules_dir or RULES_DIR
    patterns = folder / "patterns.toml"
    try:
        data = tomllib.loads(patterns.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"malformed rules: {err}", source=str(patterns)) from None
    return Rules(units=_read_units(folder / "units.tsv"), data=data)
