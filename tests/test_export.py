"""`kgtool export`: formats, named graphs, determinism, atomic -o, isomorphic Turtle round trip."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

import kgtool.export as ex
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


# ------------------------------------------------------------------ from a store (streamed)

STORE_DATA = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:label "松江"@zh-Hans , "Songjiang"@en , "say \\"@zh-hans \\" here"@zh-Hans ;
     ex:v 2.5 , "1e3"^^xsd:double ; ex:b [ ex:c "x" ; ex:d [ ex:e 1 ] ] ;
     ex:list ( ex:x ex:y ) .
ex:z ex:label "区"@zh-Hans ; ex:ref ex:a .
"""


def _load_store(tmp_path: Path, name: str, lines_reversed: bool) -> Path:
    """The same triples, written in a different order (and so loaded with other blank-node
    labels), into a fresh store: the content is equal, the loads are not."""
    import pyoxigraph as ox

    from kgtool import store as ks

    triples = sorted(str(t) + " .\n" for t in ox.parse(STORE_DATA.encode(), format=ox.RdfFormat.TURTLE))
    src = tmp_path / f"{name}.ttl"
    # N-Triples is valid Turtle; tags with capitals as written (pyoxigraph's str lower-cases).
    text = "".join(reversed(triples) if lines_reversed else triples).replace('"@zh-hans .\n', '"@zh-Hans .\n')
    src.write_text(text, encoding="utf-8")
    d = tmp_path / name
    ks.load_files(d, [str(src)], graph="http://example.org/g1")
    ks.load_files(d, [str(SMALL)], graph="http://example.org/g2", replace=True)
    return d


def _stream(store: Path, fmt: str, what: str = "data") -> bytes:
    chunks: list[bytes] = []
    ex.stream_store(store, fmt, chunks.append)
    return b"".join(chunks)


@pytest.mark.parametrize("fmt", ["nt", "nq", "turtle", "trig"])
def test_store_export_is_the_same_for_the_same_content(tmp_path, fmt):
    a = _stream(_load_store(tmp_path, "one", False), fmt)
    b = _stream(_load_store(tmp_path, "two", True), fmt)
    assert a == b                                  # engine order + canonical blank-node labels
    text = a.decode("utf-8")
    assert '"松江"@zh-Hans' in text and "@zh-hans" not in text.replace('\\"@zh-hans \\"', "")
    assert '\\"@zh-hans \\"' in text               # a tag-like text inside a literal is left alone
    expected = Graph().parse(data=STORE_DATA, format="turtle") + Graph().parse(SMALL)
    if fmt in ("nq", "trig"):
        ds = Dataset()
        ds.parse(data=text, format={"nq": "nquads", "trig": "trig"}[fmt])
        names = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
        assert set(names) == {"http://example.org/g1", "http://example.org/g2"}
        back = Graph()
        for g in ds.graphs():
            back += g
    else:
        back = Graph().parse(data=text, format="turtle" if fmt == "turtle" else "nt")
    def norm(g: Graph) -> Graph:  # numbers by value: the store writes 2.60 as 2.6
        from decimal import Decimal

        from rdflib import Literal
        out = Graph()
        for s, p, o in g:
            if isinstance(o, Literal) and o.datatype:
                v = o.toPython()
                o = Literal(v.normalize() if isinstance(v, Decimal) else v, datatype=o.datatype)
            out.add((s, p, o))
        return out
    assert isomorphic(norm(back), norm(expected))


def test_store_export_merges_graphs_without_duplicates(tmp_path):
    from kgtool import store as ks

    d = tmp_path / "dup"
    ks.load_files(d, [str(SMALL)], graph="http://example.org/a")
    ks.load_files(d, [str(SMALL)], graph="http://example.org/b")
    nt = _stream(d, "nt").decode().splitlines()
    nq = _stream(d, "nq").decode().splitlines()
    assert len(nt) == len(set(nt)) == len(Graph().parse(SMALL)) and len(nq) == 2 * len(nt)


def test_cli_streams_a_store_to_stdout_and_file(checkout, tmp_path):
    d = _load_store(tmp_path, "cli", False)
    r = export(checkout, "--store", str(d), "--format", "nq", "--what", "all")
    assert r.exit_code == 0, r.output
    out = r.stdout_bytes.decode()
    assert f"<{ex.GRAPH_IRIS['ontology']}> ." in out and "<http://example.org/g1> ." in out
    target = tmp_path / "o.nq"
    r2 = export(checkout, "--store", str(d), "--format", "nq", "--what", "all", "-o", str(target))
    assert r2.exit_code == 0 and target.read_bytes() == r.stdout_bytes


@pytest.mark.parametrize("fmt", ["turtle", "nt", "trig", "nq", "jsonld", "xml"])
def test_a_unicode_line_separator_in_a_literal_survives_every_format(fmt: str, tmp_path: Path) -> None:
    """U+2028 is a line end to str.splitlines, not to RDF: TriG export used to turn it into a
    newline inside a short string, which no parser then read."""
    import pyoxigraph as ox

    from kgtool import formats, oxreader

    data = tmp_path / "sep.ttl"
    data.write_text('<http://e.org/s> <http://e.org/p> "a\u2028b" , "c\u2029d" .\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["export", "--data", str(data), "--format", fmt], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    quads = oxreader.parse(r.stdout_bytes, formats.require(fmt, kind=formats.RDF).rdf_format(), fmt)
    values = {q.object.value for q in quads if isinstance(q.object, ox.Literal)}
    assert {"a\u2028b", "c\u2029d"} <= values
