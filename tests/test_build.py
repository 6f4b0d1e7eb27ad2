"""The build: spans, generated nodes, determinism, refusal on bad input, atomic stable Turtle.

Most tests run on a copy of the mini fixture project (tests/fixtures/mini + the real seed), so the
machinery is tested whatever state the curated facts are in; the last tests hold the real,
committed graph to the same standard.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kgtool import build as build_mod, sources
from kgtool import io
from kgtool.errors import InputError, OutputError, ValidationFailed
from kgtool.namespaces import ID
from kgtool.project import Project

from conftest import ROOT, run_kgtool

OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"


def _built(project: Project) -> Graph:
    build_mod.build(project)
    return io.parse_rdf(project.built_graph)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- spans and the source document -----------------------------------------------------------

def test_quotes_become_spans_with_selectors(mini_project: Project) -> None:
    g = _built(mini_project)
    seed = mini_project.seed.read_text(encoding="utf-8")
    assert not list(g.triples((None, URIRef("https://w3id.org/kgtool/def/sourceQuote"), None)))
    fact = URIRef(ID + "observation/o01")
    (span,) = g.objects(fact, PROV.wasDerivedFrom)
    start = seed.index("实现规上工业总产值3726.3亿元")
    assert span == URIRef(f"{ID}span/{start}-{start + 24}")
    assert (span, RDF.type, URIRef(OA + "SpecificResource")) in g
    assert (span, URIRef(OA + "hasSource"), build_mod.SOURCE) in g
    quote, position = URIRef(f"{span}/quote"), URIRef(f"{span}/position")
    assert g.value(quote, URIRef(OA + "exact")) == Literal(seed[start:start + 24])
    assert g.value(quote, URIRef(OA + "prefix")) == Literal(seed[start - 16:start])
    assert g.value(quote, URIRef(OA + "suffix")) == Literal(seed[start + 24:start + 40])
    assert g.value(position, URIRef(OA + "start")) == Literal(str(start), datatype=XSD.nonNegativeInteger)
    assert g.value(position, URIRef(OA + "end")) == Literal(str(start + 24), datatype=XSD.nonNegativeInteger)


def test_page_break_quote_stores_exact_slice_and_clean_wording(mini_project: Project) -> None:
    g = _built(mini_project)
    (span,) = g.objects(URIRef(ID + "place/卫星数字工厂"), PROV.wasDerivedFrom)
    quote = URIRef(f"{span}/quote")
    assert str(g.value(quote, URIRef(OA + "exact"))) == "松江的卫星数字工\n\n厂"
    assert str(g.value(quote, URIRef("https://w3id.org/kgtool/def/cleanQuote"))) == "松江的卫星数字工厂"


def test_source_document_carries_the_seed_byte_for_byte(mini_project: Project) -> None:
    g = _built(mini_project)
    data = mini_project.seed.read_bytes()
    text = g.value(build_mod.SOURCE, URIRef("https://schema.org/text"))
    assert str(text).encode("utf-8") == data
    assert str(g.value(build_mod.SOURCE, URIRef("https://w3id.org/kgtool/def/contentSha256"))) == \
        hashlib.sha256(data).hexdigest()
    record = sources.load(mini_project).default          # the title is data, not Python
    assert str(g.value(build_mod.SOURCE, URIRef("http://purl.org/dc/terms/title"))) == record.title
    # The byline names a person the mini facts do not describe: no dangling dct:creator.
    assert g.value(build_mod.SOURCE, URIRef("http://purl.org/dc/terms/creator")) is None


def test_source_creator_is_the_described_person(mini_project: Project) -> None:
    facts = mini_project.facts_dir / "author.ttl"
    facts.write_text('@prefix kg: <https://w3id.org/kgtool/def/> .\n'
                     '<https://w3id.org/kgtool/id/person/韩海峰> a <http://xmlns.com/foaf/0.1/Person> ;\n'
                     '    kg:sourceQuote "■韩海峰" .\n', encoding="utf-8")
    g = _built(mini_project)
    assert g.value(build_mod.SOURCE, URIRef("http://purl.org/dc/terms/creator")) == URIRef(ID + "person/韩海峰")


def test_no_blank_nodes_in_built_graph(mini_project: Project) -> None:
    g = _built(mini_project)
    assert not [t for t in g if any(isinstance(x, BNode) for x in t)]


# --- periods and instants --------------------------------------------------------------------

@pytest.mark.parametrize("key, begin, end, zh", [
    ("2024", "2024-01-01", "2024-12-31", "2024年"),
    ("2025-07", "2025-07-01", "2025-07-31", "2025年7月"),
    ("2025-07-22", "2025-07-22", "2025-07-22", "2025年7月22日"),
    ("2025-03-early", "2025-03-01", "2025-03-10", "2025年3月上旬"),
    ("2025-03-mid", "2025-03-11", "2025-03-20", "2025年3月中旬"),
    ("2024-02-late", "2024-02-21", "2024-02-29", "2024年2月下旬"),
])
def test_periods_are_minted_from_their_key(key: str, begin: str, end: str, zh: str) -> None:
    g = Graph()
    period = URIRef(f"{ID}period/{key}")
    for triple in build_mod.time_triples(period):
        g.add(triple)
    assert (period, RDF.type, URIRef(TIME + "ProperInterval")) in g
    b = g.value(period, URIRef(TIME + "hasBeginning"))
    e = g.value(period, URIRef(TIME + "hasEnd"))
    assert (b, e) == (URIRef(f"{ID}instant/{begin}"), URIRef(f"{ID}instant/{end}"))
    assert g.value(b, URIRef(TIME + "inXSDDate")) == Literal(begin, datatype=XSD.date)
    assert (b, RDF.type, URIRef(TIME + "Instant")) in g
    labels = {(lbl.language, str(lbl)) for lbl in g.objects(period, RDFS.label)}
    assert ("zh-Hans", zh) in labels and any(lang == "en" for lang, _ in labels)


@pytest.mark.parametrize("key", ["2025-13", "2025-02-30", "2025-3", "25", "2025-03-early2",
                                 "2025-03-begin", ""])
def test_malformed_period_keys_are_input_errors(key: str) -> None:
    with pytest.raises(InputError, match="malformed"):
        build_mod.time_triples(URIRef(f"{ID}period/{key}"))


def test_referenced_periods_are_in_the_build(mini_project: Project) -> None:
    g = _built(mini_project)
    assert g.value(URIRef(ID + "period/2025-03-early"), URIRef(TIME + "hasEnd")) == \
        URIRef(ID + "instant/2025-03-10")


def test_malformed_period_fails_the_build_with_exit_3(mini_project: Project, cli_run) -> None:
    _edit(mini_project.facts_dir / "mini.ttl", "<period/2024>", "<period/2024-Q1>")
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 3
    assert "malformed period key '2024-Q1'" in result.stderr


# --- refusal on bad input ----------------------------------------------------------------------

def test_altered_quote_fails_with_exit_3_naming_file_fact_and_quote(mini_project: Project, cli_run) -> None:
    _edit(mini_project.facts_dir / "mini.ttl", "总产值3726.3亿元", "总产值3726.4亿元")
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 3
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.startswith("error: graph/facts/mini.ttl:")
    assert f"fact <{ID}observation/o01>" in line
    assert 'quote "实现规上工业总产值3726.4亿元,保持全市第二" not found in seed' in line
    assert not mini_project.built_graph.exists()


def test_ambiguous_quote_fails(mini_project: Project, cli_run) -> None:
    _edit(mini_project.facts_dir / "mini.ttl", '"在3月上旬举办的区管正处级领导干部提升"', '"松江区"')
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 3 and "ambiguous" in result.stderr


def test_blank_node_in_facts_fails(mini_project: Project, cli_run) -> None:
    _edit(mini_project.facts_dir / "mini.ttl", "time:hasTime <period/2024>",
          "time:hasTime [ a time:Interval ]")
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 3 and "blank node" in result.stderr
    assert result.stderr.startswith("error: graph/facts/mini.ttl:")


def test_broken_turtle_in_facts_reports_line_and_column(mini_project: Project, cli_run) -> None:
    with (mini_project.facts_dir / "broken.ttl").open("w", encoding="utf-8") as f:
        f.write('@prefix kg: <https://w3id.org/kgtool/def/> .\n<place/x> kg:p "unterminated .\n')
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 3
    assert result.stderr.startswith("error: graph/facts/broken.ttl:2:")
    assert "Traceback" not in result.stderr


def test_violations_refuse_to_write(mini_project: Project, cli_run) -> None:
    _edit(mini_project.facts_dir / "mini.ttl", 'skos:prefLabel "松江区"@zh-Hans , "Songjiang District"@en ;', "")
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 1
    assert "<place/松江区>" in result.stderr and "a place needs a label" in result.stderr
    assert "nothing written" in result.stderr
    assert not mini_project.built_graph.exists()
    with pytest.raises(ValidationFailed):
        build_mod.build(mini_project)


def test_outside_checkout_without_output_is_usage_error(tmp_path: Path) -> None:
    proc = run_kgtool(["build"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and "-o/--output" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- determinism, staleness, serialisation -----------------------------------------------------

def test_two_builds_are_byte_identical(mini_project: Project, tmp_path: Path) -> None:
    build_mod.build(mini_project, output=tmp_path / "a.ttl")
    build_mod.build(mini_project, output=tmp_path / "b.ttl")
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()


def test_build_is_identical_under_other_hash_seeds(mini_project: Project, tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"hs{seed}.ttl"
        proc = run_kgtool(["build", "-o", str(out), "--project", str(mini_project.root)],
                          cwd=tmp_path, env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_hash_is_recorded_and_staleness_follows_content(mini_project: Project, cli_run) -> None:
    assert build_mod.is_stale(mini_project)           # nothing built yet
    build_mod.build(mini_project)
    first = mini_project.built_graph.read_text(encoding="utf-8").splitlines()[0]
    digest = build_mod.source_hash(mini_project)
    assert first == f"# kgtool-source-hash: {digest}"
    g = io.parse_rdf(mini_project.built_graph)
    assert str(g.value(build_mod.DATASET, URIRef("https://w3id.org/kgtool/def/sourceHash"))) == digest
    assert not build_mod.is_stale(mini_project)
    stamp = build_mod.staleness.stamp_path(mini_project)   # the stats beside the hash
    assert stamp.read_text(encoding="utf-8").split("\n")[0].split(" ")[2] == digest
    assert cli_run(["build", "--check", "--project", str(mini_project.root)]).exit_code == 0
    os.utime(mini_project.shapes)                      # a new mtime alone changes nothing
    assert not build_mod.is_stale(mini_project)
    _edit(mini_project.facts_dir / "mini.ttl", '"Songjiang District"@en', '"Songjiang"@en')
    assert build_mod.is_stale(mini_project)
    result = cli_run(["build", "--check", "--project", str(mini_project.root)])
    assert result.exit_code == 1 and "stale" in result.stderr


def test_values_keep_their_lexical_form(mini_project: Project) -> None:
    _edit(mini_project.facts_dir / "mini.ttl", "kg:value 3726.3 ;", 'kg:value 3726.30 ;')
    build_mod.build(mini_project)
    text = mini_project.built_graph.read_text(encoding="utf-8")
    assert "kg:value 3726.30" in text


def test_serializer_keeps_lexical_forms_and_invents_no_prefixes() -> None:
    g = io.parse_rdf('@prefix ex: <http://example.org/ns#> .\n'
                     '<https://w3id.org/kgtool/id/org/东华大学> ex:p 2.60, 01, 1.0e3, "0012"^^'
                     '<http://www.w3.org/2001/XMLSchema#integer>, "x"@zh-Hans .\n')
    out = io.serialize_turtle(g).decode("utf-8")
    for lexical in ("2.60", "01", "1.0e3", "0012"):
        assert lexical in out
    assert "ns1:" not in out and "<http://example.org/ns#p>" in out
    assert "<org/东华大学>" in out and out.startswith("@base <https://w3id.org/kgtool/id/> .")
    assert set(io.parse_rdf(out)) == set(g)


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "g.ttl"
    io.atomic_write(target, b"old")

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError, match="disk full") as exc:   # one line, exit 3 (kgtool.outfile)
        io.atomic_write(target, b"new content")
    assert exc.value.exit_code == 3
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.ttl"]


# --- the real, committed graph -----------------------------------------------------------------

def test_committed_graph_equals_a_fresh_build(real_project: Project, tmp_path: Path) -> None:
    """Catches a stale graph even when only the build code changed (the hash covers inputs only)."""
    assert real_project.built_graph.exists(), "graph/songjiang.ttl is missing: run `kgtool build`"
    result = build_mod.build(real_project, output=tmp_path / "fresh.ttl")
    assert result.output.read_bytes() == real_project.built_graph.read_bytes(), \
        "graph/songjiang.ttl differs from a fresh build: run `kgtool build` and commit it"


def test_committed_graph_has_no_blank_nodes_and_no_quotes_left(real_project: Project) -> None:
    assert real_project.built_graph.exists(), "graph/songjiang.ttl is missing: run `kgtool build`"
    g = io.parse_rdf(real_project.built_graph)
    assert not [t for t in g if any(isinstance(x, BNode) for x in t)]
    assert not list(g.triples((None, URIRef("https://w3id.org/kgtool/def/sourceQuote"), None)))
    assert len(list(g.objects(None, PROV.wasDerivedFrom))) > 0
