"""Measured linking quality on the two gold sets (issue #4 point 4); prints precision and recall.

(a) tests/gold/article-places.tsv — the article's own mentions, hand-labelled;
(b) tests/gold/nbs-generated.tsv — generated from the NBS data by tests/gold/generate.py with a
    data-only oracle (and checked here to be up to date with the data).
Precision must be 1.0 (a wrong link is worse than none); recall is reported and bounded below.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from kgtool import link as lk
from kgtool.project import Project
from kgtool.reference import divisions

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
NATIONAL = Project(root=ROOT, data_dir=ROOT).shared_dir / "data" / "china-admin-divisions" / "national"

pytestmark = pytest.mark.skipif(not NATIONAL.is_dir(), reason="shared reference data not available")


@pytest.fixture(scope="module")
def index() -> lk.DivisionIndex:
    return lk.DivisionIndex(divisions.label_rows(divisions.iter_divisions(divisions.discover(NATIONAL))))


def test_article_gold(index: lk.DivisionIndex) -> None:
    gold = lk.read_gold(GOLD / "article-places.tsv")
    s = lk.score(gold, index)
    print("\n" + s.line("article-places"))
    assert s.precision == 1.0, s.errors
    assert s.recall == 1.0, s.errors
    assert s.none_right == s.none_expected and s.ambiguous_right == s.ambiguous_expected


def test_generated_gold(index: lk.DivisionIndex) -> None:
    gold = lk.read_gold(GOLD / "nbs-generated.tsv")
    assert len(gold) > 700
    assert sum(g.mention == "新桥镇" and g.context != "" for g in gold) == 21
    assert any(g.mention == "虹桥" and g.context == "31" and g.expected == "ambiguous" for g in gold)
    s = lk.score(gold, index)
    print("\n" + s.line("nbs-generated"))
    assert s.precision == 1.0, s.errors[:10]
    assert s.recall >= 0.99, s.errors[:10]
    assert s.ambiguous_right == s.ambiguous_expected


def test_generated_gold_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gold_generate", GOLD / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (GOLD / "nbs-generated.tsv").read_bytes() == module.render(), \
        "run tests/gold/generate.py"


def test_scoring_can_fail(index: lk.DivisionIndex) -> None:
    """A deliberately wrong gold row must lower precision: the measurement is not a constant."""
    wrong = [lk.GoldMention("洞泾", "310117", "310117105")]
    assert lk.score(wrong, index).precision == 0.0
