"""`kgtool export`: formats, named graphs, determinism, atomic -o, isomorphic Turtle round trip."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kgtool import export as ex
from kgtool.cli import cli

SMALL = Path(__file__).parent / "fixtures" / "query" / "small.ttl"


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A minimal kgtool checkout whose built graph is the small fixture (and is not stale)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "songjiang.ttl").write_bytes(SMALL.read_bytes())
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "kgtool.ttl").write_text(
        '@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix kg: <https://w3id.org/kgtool/def/> .\n'
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        'kg:District a owl:Class ; rdfs:label "区"@zh-Hans , "district"@en .\n', encoding="utf-8")
    (tmp_path / "ontology" / "shapes.ttl").write_text(
        '@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix kg: <https://w3id.org/kgtool/def/> .\n'
        'kg:DistrictShape a sh:NodeShape ; sh:targetClass kg:District .\n', encoding="utf-8")
    import kgtool.staleness
    monkeypatch.setattr(kgtool.staleness, "is_stale", lambda project, graph_path=None: False)
    return tmp_path


def export(checkout: Path, *args: str):
    return CliRunner().invoke(cli, ["export", "--project", str(checkout), *args])


def test_turtle_round_trips_isomorphically_and_keeps_lexical_forms(checkout):
    r = export(checkout)
    assert r.exit_code == 0, r.output
    text = r.stdout_bytes.decode("utf-8")
    assert "2.60" in text and '"松江区"@zh-Hans' in text
    back = Graph().parse(data=text, format="turtle")
    assert isomorphic(back, Graph().parse(SMALL, format="turtle"))
    assert export(checkout).stdout_bytes == r.stdout_bytes          # deterministic


@pytest.mark.parametrize("fmt,rdflib_fmt", [("nt", "nt"), ("jsonld", "json-ld"), ("xml", "xml")])
def test_other_graph_formats_parse_back(checkout, fmt, rdflib_fmt):
    r = export(checkout, "--format", fmt)
    assert r.exit_code == 0, r.output
    back = Graph().parse(data=r.stdout_bytes.decode("utf-8"), format=rdflib_fmt)
    assert isomorphic(back, Graph().parse(SMALL, format="turtle"))
    if fmt == "nt":
        lines = r.stdout_bytes.decode().splitlines()
        assert lines == sorted(lines)
    if fmt == "jsonld":
        assert "kg" in json.loads(r.stdout_bytes)["@context"]


@pytest.mark.parametrize("fmt,rdflib_fmt", [("trig", "trig"), ("nq", "nquads")])
def test_named_graph_per_source(checkout, fmt, rdflib_fmt):
    r = export(checkout, "--what", "all", "--format", fmt)
    assert r.exit_code == 0, r.output
    ds = Dataset()
    ds.parse(data=r.stdout_bytes.decode("utf-8"), format=rdflib_fmt)
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == set(ex.GRAPH_IRIS.values())
    facts = ds.graph(ex.GRAPH_IRIS["facts"])
    assert isomorphic(Graph() + facts, Graph().parse(SMALL, format="turtle"))


def test_what_selects_the_part(checkout):
    onto = export(checkout, "--what", "ontology", "--format", "nt").stdout_bytes.decode()
    assert "District" in onto and "松江区" not in onto
    shapes = export(checkout, "--what", "shapes", "--format", "nt").stdout_bytes.decode()
    assert "NodeShape" in shapes and "owl#Class" not in shapes


def test_output_file_is_written_atomically(checkout, tmp_path, monkeypatch):
    target = tmp_path / "out" / "g.ttl"
    target.parent.mkdir()
    r = export(checkout, "-o", str(target))
    assert r.exit_code == 0 and target.read_bytes().startswith(b"@base")
    # an export that fails half-way leaves the old file untouched and no temp file behind
    before = target.read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", boom)
    r = export(checkout, "--format", "nt", "-o", str(target))
    assert r.exit_code != 0
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["g.ttl"]


def test_data_option_exports_given_files(checkout):
    r = export(checkout, "--data", str(SMALL), "--format", "nt")
    assert r.exit_code == 0 and "洞泾镇" in r.stdout_bytes.decode()


def test_each_reference_dataset_gets_its_own_named_graph(checkout, tmp_path):
    data = tmp_path / "with-ref.ttl"
    data.write_text(SMALL.read_text(encoding="utf-8") + """
<dataset/codes> a <http://rdfs.org/ns/void#Dataset> ; <http://purl.org/dc/terms/source> <https://example.org/codes> .
<dataset/ours> a <http://rdfs.org/ns/void#Dataset> ; <http://purl.org/dc/terms/source> <https://example.org/ours> .
<dataset/ls> a <http://rdfs.org/ns/void#Linkset> ; <http://rdfs.org/ns/void#subjectsTarget> <dataset/ours> .
<scheme/codes/40> a <http://www.w3.org/2004/02/skos/core#Concept> ;
    <http://www.w3.org/ns/prov#wasDerivedFrom> <dataset/codes> .
""", encoding="utf-8")
    r = export(checkout, "--data", str(data), "--format", "nq")
    assert r.exit_code == 0, r.output
    graphs: dict[str, set[str]] = {}
    for line in r.stdout_bytes.decode().splitlines():
        subject, *_, graph, _dot = line.split(" ")
        graphs.setdefault(graph, set()).add(subject)
    ref = "<https://w3id.org/kgtool/graph/dataset/codes>"
    assert set(graphs) == {"<https://w3id.org/kgtool/graph/facts>", ref}
    assert graphs[ref] == {"<https://w3id.org/kgtool/id/dataset/codes>",
                           "<https://w3id.org/kgtool/id/scheme/codes/40>"}
