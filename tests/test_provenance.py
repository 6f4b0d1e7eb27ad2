"""Quote location: exact first, page breaks skipped second, unique always, offsets in code points."""
from __future__ import annotations

import random

import pytest

from kgtool.errors import InputError
from kgtool.provenance import locate

from conftest import ROOT

SEED = (ROOT / "seeds" / "songjiang-advanced-manufacturing.txt").read_text(encoding="utf-8")


def test_exact_quote_gives_code_point_offsets() -> None:
    span = locate(SEED, "实现规上工业总产值3726.3亿元")
    assert SEED[span.start:span.end] == span.exact == "实现规上工业总产值3726.3亿元"
    # offsets are str indices, not UTF-8 byte offsets
    assert span.start == SEED.index("实现规上工业总产值3726.3亿元")
    assert len(SEED[:span.start].encode("utf-8")) != span.start


@pytest.mark.parametrize("clean, broken", [
    ("卫星数字工厂", "卫星数字工\n\n厂"),
    ("“松江速度”", "“松江速\n\n度”"),
    ("虚拟电厂等模式", "虚拟电厂等模\n\n式"),
    ("转型发展攻坚战突围战能力", "转型发展攻坚战\n\n突围战能力"),
])
def test_page_break_quote_found_with_clean_wording(clean: str, broken: str) -> None:
    span = locate(SEED, clean)
    assert span.exact == broken == SEED[span.start:span.end]
    assert span.clean == clean


def test_whitespace_in_quote_matches_a_line_break() -> None:
    span = locate(SEED, "工业强区方针 上海市松江区着力打造")
    assert span.exact == "工业强区方针\n\n上海市松江区着力打造"


def test_not_found_and_ambiguous() -> None:
    with pytest.raises(InputError, match="not found"):
        locate(SEED, "松江区规上工业总产值3726.4亿元")
    with pytest.raises(InputError, match=r"ambiguous: it occurs \d+ times"):
        locate(SEED, "松江")
    with pytest.raises(InputError):
        locate(SEED, "   ")


def test_random_unique_slices_round_trip() -> None:
    rng = random.Random(20250722)
    checked = 0
    while checked < 200:
        start = rng.randrange(len(SEED) - 30)
        quote = SEED[start:start + rng.randrange(6, 30)]
        if quote != quote.strip() or SEED.count(quote) != 1:
            continue
        span = locate(SEED, quote)
        assert (span.start, span.exact) == (start, quote)
        assert SEED[span.start:span.end] == span.exact
        checked += 1
