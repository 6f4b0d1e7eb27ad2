"""Finding a curated quote in the seed text: the bridge from a fact to the exact words it came from.

Curators cite the article's wording; the build turns each citation into code-point offsets. The
seed has page-break artefacts (`卫星数字工\\n\\n厂`), so a quote is looked up exactly first and, failing
that, with a run of whitespace containing a newline allowed between any two of its characters
(a whitespace run inside the quote matches any whitespace run). Either way the quote must occur
exactly once, so an offset pair identifies one place in the article; the stored `exact` is always
`seed[start:end]`, page breaks included, and `clean` is the wording as curated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kgtool.errors import InputError

_BREAK = r"(?:[^\S\n]*\n\s*)?"   # optional whitespace run that contains a newline
_WS_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    """A located quote: `seed[start:end] == exact`; `clean` is the quote as the curator wrote it."""

    start: int
    end: int
    exact: str
    clean: str

    @property
    def key(self) -> str:
        """The span's IRI key, `{start}-{end}` (see docs/modelling.md)."""
        return f"{self.start}-{self.end}"


def _occurrences(text: str, needle: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of `needle` in `text`."""
    starts, pos = [], text.find(needle)
    while pos != -1:
        starts.append(pos)
        pos = text.find(needle, pos + 1)
    return starts


def break_tolerant_pattern(quote: str) -> re.Pattern[str]:
    """A regex matching `quote` with page-break whitespace allowed between any two characters."""
    parts: list[str] = []
    for token in re.findall(r"\s+|\S", quote.strip()):
        if token.isspace():
            parts.append(r"\s+")
        else:
            if parts and parts[-1] != r"\s+":
                parts.append(_BREAK)
            parts.append(re.escape(token))
    return re.compile("".join(parts))


def _pattern_matches(text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Every match of `pattern`, including overlapping ones (so ambiguity is never hidden)."""
    found, pos = [], 0
    while (m := pattern.search(text, pos)) is not None:
        found.append(m)
        pos = m.start() + 1
    return found


def _preview(quote: str, limit: int = 80) -> str:
    flat = _WS_RUN.sub(" ", quote)
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def locate(seed_text: str, quote: str) -> Span:
    """Locate `quote` in `seed_text`; InputError ("not found" / "ambiguous") unless it occurs once.

        >>> locate("看!松江的卫星数字工\\n\\n厂,低轨卫星", "卫星数字工厂")
        Span(start=5, end=13, exact='卫星数字工\\n\\n厂', clean='卫星数字工厂')
    """
    if not quote or not quote.strip():
        raise InputError("empty quote")
    exact = _occurrences(seed_text, quote)
    if len(exact) == 1:
        start = exact[0]
        return Span(start, start + len(quote), quote, quote)
    if len(exact) > 1:
        raise InputError(_ambiguous(quote, exact))
    matches = _pattern_matches(seed_text, break_tolerant_pattern(quote))
    if not matches:
        raise InputError(f'quote "{_preview(quote)}" not found in seed')
    if len(matches) > 1:
        raise InputError(_ambiguous(quote, [m.start() for m in matches]))
    m = matches[0]
    return Span(m.start(), m.end(), m.group(0), quote)


def _ambiguous(quote: str, starts: list[int]) -> str:
    shown = ", ".join(str(s) for s in starts[:5]) + (", …" if len(starts) > 5 else "")
    return (f'quote "{_preview(quote)}" is ambiguous: it occurs {len(starts)} times in seed '
            f"(at offsets {shown}); lengthen it until it is unique")
