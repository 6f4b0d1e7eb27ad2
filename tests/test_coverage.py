"""Coverage (issue #2 point 5): every number and every sentence of the article is in some fact's span.

The last test is the real check on the committed graph; the others prove the checker itself can fail.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from kgtool import coverage, io
from kgtool.namespaces import ID
from kgtool.project import Project

from conftest import ROOT

SEED = (ROOT / "seeds" / "songjiang-advanced-manufacturing.txt").read_text(encoding="utf-8")
OA = "http://www.w3.org/ns/oa#"
REQUIRED = ("一度", "两大", "三大", "四大", "4个", "两天", "三届", "七分之一", "千亿级", "百亿元级",
            "第六届", "第九次", "二十届三中全会")


def _graph(*spans: tuple[int, int]) -> Graph:
    g = Graph()
    for i, (s, e) in enumerate(spans):
        span = URIRef(f"{ID}span/{s}-{e}")
        pos = URIRef(f"{span}/position")
        g.add((URIRef(f"{ID}statement/t{i}"), PROV.wasDerivedFrom, span))
        g.add((span, URIRef(OA + "hasSelector"), pos))
        g.add((pos, URIRef(OA + "start"), Literal(str(s), datatype=XSD.nonNegativeInteger)))
        g.add((pos, URIRef(OA + "end"), Literal(str(e), datatype=XSD.nonNegativeInteger)))
    return g


def test_required_chinese_numerals_are_declared_and_found() -> None:
    assert set(REQUIRED) <= set(coverage.CHINESE_NUMERALS)
    found = {t.text for t in coverage.number_tokens(SEED)}
    assert set(REQUIRED) <= found


def test_arabic_tokens_keep_decimal_percent_and_plus() -> None:
    texts = [t.text for t in coverage.number_tokens(SEED)]
    for token in ("3726.3", "13.9%", "584.6", "1718", "2+", "30%", "1992"):
        assert token in texts
    assert "3726" not in texts and "13.9" not in texts
    for t in coverage.number_tokens(SEED):
        assert SEED[t.start:t.end] == t.text


def test_sentences_split_at_terminators_and_blank_lines() -> None:
    sents = coverage.sentences(SEED)
    texts = [s.text for s in sents]
    assert "■韩海峰" in texts
    assert "工业是松江的立区之基、强区之本。" in texts
    assert "看!" in texts                                  # ASCII ! ends a sentence
    assert any(t.startswith("厂,低轨卫星整装待发") for t in texts)   # the page break splits
    assert all(SEED[s.start:s.end] == s.text for s in sents)


def test_uncovered_token_and_sentence_are_reported(tmp_path: Path) -> None:
    start = SEED.index("实现规上工业总产值3726.3亿元")
    covered = coverage.check(SEED, _graph((start, start + 24)), tmp_path / "none.toml")
    gaps = {t.text for t in covered.uncovered_tokens}
    assert "3726.3" not in gaps and "1718" in gaps
    assert not covered.ok
    # a span that cuts a token in half does not cover it
    half = coverage.check(SEED, _graph((start, start + 12)), tmp_path / "none.toml")
    assert "3726.3" in {t.text for t in half.uncovered_tokens}


def test_whole_article_span_covers_everything(tmp_path: Path) -> None:
    report = coverage.check(SEED, _graph((0, len(SEED))), tmp_path / "none.toml")
    assert report.ok and report.uncovered_tokens == [] and report.uncovered_sentences == []


def test_exclusions_excuse_text_but_not_too_much(tmp_path: Path) -> None:
    excl = tmp_path / "ex.toml"
    excl.write_text('[[exclude]]\ntext = "看!"\nreason = "an exclamation"\n', encoding="utf-8")
    report = coverage.check(SEED, _graph((0, len(SEED) - 200)), excl)
    assert report.excluded_sentences and report.excluded_sentences[0].text == "看!"
    sents = coverage.sentences(SEED)
    many = "".join(f'[[exclude]]\ntext = """{s.text}"""\nreason = "r"\n' for s in sents[: len(sents) // 4])
    excl.write_text(many, encoding="utf-8")
    report = coverage.check(SEED, _graph(), excl)
    assert any("at most a fifth" in p for p in report.problems)


def test_exclusion_text_must_occur_in_seed(tmp_path: Path) -> None:
    excl = tmp_path / "ex.toml"
    excl.write_text('[[exclude]]\ntext = "这句话不在文中"\nreason = "r"\n', encoding="utf-8")
    report = coverage.check(SEED, _graph((0, len(SEED))), excl)
    assert not report.ok and "does not occur in the seed" in report.problems[0]


def test_bad_exclusion_toml_is_input_error(tmp_path: Path) -> None:
    excl = tmp_path / "ex.toml"
    excl.write_text('[[exclude]]\ntext = "unterminated\n', encoding="utf-8")
    with pytest.raises(Exception) as info:
        coverage.check(SEED, _graph(), excl)
    assert getattr(info.value, "exit_code", None) == 3 and info.value.line == 2  # type: ignore[attr-defined]


def test_coverage_cli_lists_gaps_with_offsets(mini_project: Project, cli_run) -> None:
    result = cli_run(["coverage", "--project", str(mini_project.root)])
    assert result.exit_code == 1
    assert "uncovered token" in result.stdout and "1718" in result.stdout
    assert "note: graph/songjiang.ttl is missing or stale" in result.stderr


def test_committed_graph_covers_the_article(real_project: Project) -> None:
    assert real_project.built_graph.exists(), "graph/songjiang.ttl is missing: run `kgtool build`"
    graph = io.parse_rdf(real_project.built_graph)
    report = coverage.check(SEED, graph, real_project.exclusions,
                            exclusions_source="graph/coverage-exclusions.toml")
    assert report.ok, coverage.render(report, SEED)
