"""Time phrases in a sentence (2024年, 今年5月, 3月上旬, 7月22日, 今年1月至11月) and the period
key they resolve to (docs/modelling.md: period/YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-early|mid|late).

Relative words (今年, 当前, 去年) are resolved from the source's publication date; a four-digit
year stated in the same sentence wins over that date's year (今年5月 … 2025年… → 2025-05).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kgtool.propose.rules import Rules


@dataclass(frozen=True)
class TimePhrase:
    """A time phrase at clean offsets [start, end) of its sentence's text."""

    start: int
    end: int
    wording: str
    year: int | None            # stated year, or None
    relative: int | None        # year offset of a relative word (今年 = 0), or None
    month: int | None
    day: int | None
    part: str | None            # early | mid | late
    is_range: bool = False

    def key(self, published: dt.date | None, stated_year: int | None = None) -> str | None:
        """The period key, or None when a relative phrase has no date to resolve it against."""
        year = self.year
        if year is None:
            if stated_year is not None:
                year = stated_year
            elif published is not None:
                year = published.year + (self.relative or 0)
            else:
                return None
        if self.month is None or self.is_range:
            return f"{year:04d}"
        if self.day is not None:
            return f"{year:04d}-{self.month:02d}-{self.day:02d}"
        if self.part is not None:
            return f"{year:04d}-{self.month:02d}-{self.part}"
        return f"{year:04d}-{self.month:02d}"


def _pattern(rules: Rules) -> re.Pattern[str]:
    rel = rules.alternation("time", "relative_years")
    parts = rules.alternation("time", "parts_of_month")
    month = rf"(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>3[01]|[12][0-9]|0?[1-9])[日号]|(?P<part>{parts}))?"
    until = r"(?:(?P<range>至|到|—|-|~)(?:1[0-2]|0?[1-9])月(?:(?:3[01]|[12][0-9]|0?[1-9])[日号]|底|末)?)?"
    return re.compile(rf"(?:(?P<y>(?:19|20)[0-9]{{2}})年|(?P<rel>{rel}))?(?:{month}{until})?")


def find(text: str, rules: Rules) -> list[TimePhrase]:
    """Every time phrase of `text`, in order."""
    rel_years: dict[str, int] = rules.section("time").get("relative_years", {})
    part_keys: dict[str, str] = rules.section("time").get("parts_of_month", {})
    out: list[TimePhrase] = []
    for m in rules.compiled("time", _pattern).finditer(text):
        if not m.group(0) or (not (m.group("y") or m.group("rel"))
                              and m.start() > 0 and text[m.start() - 1] in "0123456789年个第"):
            continue
        month = int(m.group("m")) if m.group("m") else None
        out.append(TimePhrase(
            m.start(), m.end(), m.group(0),
            int(m.group("y")) if m.group("y") else None,
            rel_years.get(m.group("rel")) if m.group("rel") else None,
            month, int(m.group("d")) if m.group("d") else None,
            part_keys.get(m.group("part")) if m.group("part") else None,
            bool(m.group("range"))))
    return out


def stated_year(phrases: list[TimePhrase]) -> int | None:
    """The year a sentence states in digits, when it states exactly one."""
    years = {p.year for p in phrases if p.year is not None}
    return years.pop() if len(years) == 1 else None


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD, or ValueError."""
    return dt.date.fromisoformat(value)
