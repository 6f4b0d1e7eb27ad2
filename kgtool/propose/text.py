"""The text a proposal is read from: page breaks joined, sentences found, numerals read.

Extraction works on a *clean view* of the source: a line break that is a page break inside a
sentence (`卫星数字工\\n\\n厂`) is dropped, so words and sentences are whole again, while every
clean offset maps back to the source. Quotes are then cut from the source and verified with
`kgtool.provenance.locate`, exactly like curated quotes (page-break whitespace included).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kgtool.propose.rules import Rules

_BREAK_RUN = re.compile(r"[^\S\n]*\n\s*")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_SCALE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL = "[零〇一二两三四五六七八九十百千万]+"


@dataclass(frozen=True)
class Sentence:
    """A sentence of the clean view: [start, end) in clean offsets, and its text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class CleanText:
    """The clean view of `source`: `clean[i]` is `source[offsets[i]]`."""

    source: str
    clean: str
    offsets: tuple[int, ...]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets [start, end) of the clean slice [start, end) (end exclusive)."""
        return self.offsets[start], self.offsets[end - 1] + 1


def _is_page_break(source: str, match: re.Match[str], rules: Rules) -> bool:
    """Whether the line break at `match` splits one sentence (join) or ends a line (keep)."""
    text_rules = rules.section("text")
    punctuation = set(text_rules.get("sentence_ends", [])) | set(text_rules.get("clause_marks", []))
    punctuation |= set(text_rules.get("clause_ends", [])) | {"■", "”", "’", "」"}
    before_pos, after_pos = match.start() - 1, match.end()
    if before_pos < 0 or after_pos >= len(source):
        return False
    before, after = source[before_pos], source[after_pos]
    if before in punctuation or not (before.isalnum() and (after.isalnum() or after in punctuation)):
        return False
    line_start = source.rfind("\n", 0, match.start()) + 1
    line = source[line_start:match.start()]
    next_line_end = source.find("\n", after_pos)
    next_line = source[after_pos:next_line_end if next_line_end >= 0 else len(source)]
    fragment = re.split("|".join(re.escape(p) for p in sorted(punctuation)), next_line, maxsplit=1)[0]
    return (len(line) >= text_rules.get("page_break_min_line", 30)
            or (len(fragment) <= text_rules.get("page_break_max_fragment", 2) and fragment != next_line))


def clean_view(source: str, rules: Rules) -> CleanText:
    """Drop page breaks from `source`, remembering where every kept character came from."""
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _BREAK_RUN.finditer(source):
        if not _is_page_break(source, m, rules):
            continue
        pieces.append(source[pos:m.start()])
        offsets.extend(range(pos, m.start()))
        pos = m.end()
    pieces.append(source[pos:])
    offsets.extend(range(pos, len(source)))
    return CleanText(source, "".join(pieces), tuple(offsets))


def sentences(clean: str, rules: Rules) -> list[Sentence]:
    """Sentences of the clean text: ended by 。！？ (closing quotes kept) or by a line break."""
    ends = "".join(re.escape(c) for c in rules.section("text").get("sentence_ends", ["。"]))
    pattern = re.compile(rf"[^{ends}\n]+(?:[{ends}]+[”’」』]?|(?=\n)|\Z)")
    out: list[Sentence] = []
    for m in pattern.finditer(clean):
        text = m.group(0)
        lead = len(text) - len(text.lstrip())
        body = text.strip()
        if body:
            out.append(Sentence(m.start() + lead, m.start() + lead + len(body), body))
    return out


def chinese_number(word: str) -> int | None:
    """The value of a Chinese numeral (三, 十二, 二十一, 一百零八, 两万); None if it is not one."""
    if not word or any(c not in _DIGITS and c not in _SCALE for c in word):
        return None
    total, section, digit = 0, 0, None
    for c in word:
        if c in _DIGITS:
            digit = _DIGITS[c]
            continue
        scale = _SCALE[c]
        if scale >= 10_000:
            section = (section + (digit or 0)) * scale
            total, section = total + section, 0
        else:
            section += (1 if digit is None else digit) * scale
        digit = None
    return total + section + (digit or 0)
