"""Mention names as the matcher compares them: NFKC-normalised, one administrative suffix stripped."""
from __future__ import annotations

import re
import unicodedata

SUFFIXES = ("街道", "镇", "乡", "区", "县", "市")
_WS = re.compile(r"\s+")


def normalize(name: str) -> str:
    """NFKC (full-width letters, digits, brackets and spaces become half-width) minus whitespace."""
    return _WS.sub("", unicodedata.normalize("NFKC", name))


def strip_suffix(name: str) -> str | None:
    """The name without one administrative suffix, or None if it has none (or too little is left)."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def to_fullwidth(text: str) -> str:
    """ASCII → full-width forms (for generating width variants of names in the gold set)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c)
                   for c in text)
