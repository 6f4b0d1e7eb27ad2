"""The public Python API (kgtool.api, re-exported by kgtool): datasets, result objects, formats.

The docstring examples of the API modules are run here too, so they cannot rot.
"""
from __future__ import annotations

import doctest
import importlib
import io
import json
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest

import kgtool
from kgtool import api, formats
from kgtool.errors import PolicyError, QueryTimeout, UsageError

from conftest import ROOT

SMALL = ROOT / "tests" / "fixtures" / "query" / "small.ttl"
DOCTESTED = ("kgtool", "kgtool.api", "kgtool.describe", "kgtool.formats", "kgtool.io", "kgtool.oxreader", "kgtool.query",
             "kgtool.rdflib_settings", "kgtool.remote")


@pytest.mark.parametrize("module", DOCTESTED)
def test_docstring_examples_run(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(mod) if t.examples]
    assert tests, f"{module} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", api.StaleGraphWarning)
        for test in tests:
            runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failing example(s) in {module}"


def test_package_exports_the_api() -> None:
    assert set(kgtool.__all__) <= set(dir(kgtool))
    assert kgtool.Dataset is api.Dataset and kgtool.open is api.open
    with pytest.raises(AttributeError):
        kgtool.no_such_name  # noqa: B018


@pytest.fixture(scope="module")
def small() -> api.Dataset:
    return api.Dataset.from_files(SMALL)


def test_select_result_is_data(small: api.Dataset) -> None:
    r = small.query("SELECT ?t ?n WHERE { ?t a kg:Town ; skos:prefLabel ?n FILTER(lang(?n) = 'zh-hans') }")
    assert isinstance(r, api.Solutions) and r.variables == ["t", "n"] and len(r) == 1
    row = next(iter(r))
    assert isinstance(row["t"], ox.NamedNode) and row[0] == row["?t"]
    assert row.values() == ["https://w3id.org/kgtool/id/place/洞泾镇", "洞泾镇"]
    assert r.values() == [{"t": "https://w3id.org/kgtool/id/place/洞泾镇", "n": "洞泾镇"}]


def test_select_star_columns_follow_the_query() -> None:
    ds = api.Dataset.from_files(SMALL)
    r = ds.query("SELECT * WHERE { ?s a kg:Town ; ?p ?o } LIMIT 1")
    assert r.variables == ["s", "p", "o"]
    r = ds.query("SELECT DISTINCT * WHERE { ?town a kg:Town . ?town skos:prefLabel ?a }")
    assert r.variables == ["town", "a"]
    assert ds.query("SELECT ?o ?s WHERE { ?s a ?o }").variables == ["o", "s"]


def test_python_values() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    from decimal import Decimal

    cases = [(ox.Literal("2.60", datatype=ox.NamedNode(xsd + "decimal")), Decimal("2.60")),
             (ox.Literal("12", datatype=ox.NamedNode(xsd + "integer")), 12),
             (ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")), True),
             (ox.Literal("1.5e3", datatype=ox.NamedNode(xsd + "double")), 1500.0),
             (ox.Literal("松江", language="zh-hans"), "松江"), (ox.BlankNode("b0"), "_:b0"),
             (None, None)]
    for term, value in cases:
        assert api.to_python(term) == value and type(api.to_python(term)) is type(value)


def test_every_results_format_serializes_and_parses_back(small: api.Dataset) -> None:
    r = small.query("SELECT ?s ?l WHERE { ?s skos:prefLabel ?l } ORDER BY ?s ?l")
    for fmt in formats.formats(formats.RESULTS):
        data = r.serialize(fmt.name)
        assert data, fmt
        if fmt.name in ("json", "xml", "tsv"):
            parsed = ox.parse_query_results(data, format=fmt.results_format())
            assert len(list(parsed)) == len(r), fmt
        elif fmt.name == "csv":   # lossy by design: pyoxigraph refuses to parse it
            import csv

            rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
            assert rows[0] == ["s", "l"] and len(rows) == len(r) + 1
    assert json.loads(r.serialize("srj"))["head"]["vars"] == ["s", "l"]
    ask = small.query("ASK { ?s a kg:Town }")
    assert ask and ask.value is True
    for fmt in ("json", "xml"):
        parsed = ox.parse_query_results(ask.serialize(fmt), format=formats.lookup(fmt).results_format())
        assert bool(parsed) is True


def test_every_rdf_format_serializes_and_parses_back(small: api.Dataset) -> None:
    r = small.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(r, api.Triples) and len(r) > 10
    for fmt in formats.formats(formats.RDF):
        data = r.serialize(fmt.name)
        quads = list(ox.parse(data, format=fmt.rdf_format()))
        assert len(quads) == len(r), fmt.name
    assert r.serialize("ttl") == r.serialize("turtle")
    with pytest.raises(UsageError):
        r.serialize("csv")


def test_params_limit_and_policy(small: api.Dataset) -> None:
    q = "SELECT * WHERE { ?s skos:prefLabel ?l }"
    one = small.query(q, params={"s": "<place/洞泾镇>"})
    assert {row["s"].value for row in one} == {"https://w3id.org/kgtool/id/place/洞泾镇"}
    same = small.query(q, params={"s": ox.NamedNode("https://w3id.org/kgtool/id/place/洞泾镇")})
    assert same.values() == one.values()
    cut = small.query(q, limit=1)
    assert len(cut) == 1 and cut.truncated
    assert not small.query(q).truncated
    with pytest.raises(PolicyError):
        small.query("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(UsageError):
        small.query(q, params={"nope": "1"})


def test_named_query_and_relative_iri_in_query_text(small: api.Dataset) -> None:
    r = small.query("SELECT ?l WHERE { <place/洞泾镇> skos:prefLabel ?l }")
    assert len(r) >= 1
    assert api.open(ROOT, on_stale=lambda _: None).query("cq01").variables


def test_timeout_returns_the_same_result(small: api.Dataset) -> None:
    q = "SELECT ?s WHERE { ?s a kg:Town }"
    assert small.query(q, timeout=30).values() == small.query(q).values()
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { 1 2 3 4 5 6 7 8 9 10 } "
            "?s1 ?p1 ?o1 . ?s2 ?p2 ?o2 . ?s3 ?p3 ?o3 . ?s4 ?p4 ?o4 }")
    with pytest.raises(QueryTimeout):
        small.query(slow, timeout=0.3)


def test_store_dataset(tmp_path: Path) -> None:
    from kgtool import store as kstore

    kstore.load_files(tmp_path / "st", [str(SMALL)])
    ds = api.Dataset.from_store(tmp_path / "st")
    assert ds.query("ASK { ?s a kg:Town }").value
    assert ds.describe("洞泾镇").iri == "https://w3id.org/kgtool/id/place/洞泾镇"
    assert ds.stats().triples > 0


def test_stale_graph_warns_once_and_is_not_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kgtool.staleness

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")
    (tmp_path / "graph").mkdir()
    graph = tmp_path / "graph" / "songjiang.ttl"
    graph.write_bytes(SMALL.read_bytes())
    monkeypatch.setattr(kgtool.staleness, "is_stale", lambda project, graph_path=None: True)
    with pytest.warns(api.StaleGraphWarning, match=r"run `kgtool build`"):
        ds = api.open(tmp_path)
    assert ds.query("ASK { ?s a kg:Town }").value and graph.read_bytes() == SMALL.read_bytes()
    lines: list[str] = []
    api.open(tmp_path, on_stale=lines.append)
    assert len(lines) == 1 and "\n" not in lines[0]


def test_result_write_to_a_stream(small: api.Dataset) -> None:
    out = io.StringIO()
    n = small.query("SELECT ?s WHERE { ?s a kg:Town }").write(out, "table")
    assert n == 1 and "<place/洞泾镇>" in out.getvalue()


def test_a_network_error_is_one_short_line() -> None:
    from kgtool.errors import RemoteError

    ds = api.Dataset.from_endpoint("http://127.0.0.1:9/sparql", timeout=2)
    with pytest.raises(RemoteError) as info:
        ds.query("SELECT * WHERE { ?s ?p \"" + "x" * 3000 + "\" }")
    message = str(info.value)
    assert "\n" not in message and len(message) < 300 and "127.0.0.1:9/sparql" in message
    assert "characters" in message and "xxxx" not in message


def test_a_bad_quote_error_points_at_the_fact_not_a_comment(mini_project) -> None:  # noqa: ANN001
    """An ambiguous kg:sourceQuote is reported at the line of the quote in the fact, not at an
    earlier comment that happens to contain the same words."""
    from kgtool.errors import InputError

    facts = mini_project.data_dir / "graph" / "facts" / "mini.ttl"
    text = facts.read_text(encoding="utf-8")
    text += ('\n# a note: "松江区" occurs many times in the article\n'
             '<place/松江区> skos:altLabel "松江"@zh-Hans ;\n    kg:sourceQuote "松江区" .\n')
    facts.write_text(text, encoding="utf-8")
    line = text.splitlines().index('    kg:sourceQuote "松江区" .') + 1
    with pytest.raises(InputError) as info:
        api.build(mini_project, output=mini_project.data_dir / "out.ttl")
    assert "ambiguous" in info.value.message and info.value.line == line, str(info.value)
    assert info.value.column == len('    kg:sourceQuote "') + 1


def test_build_check_is_one_library_call(mini_project, cli_run) -> None:  # noqa: ANN001
    """`kgtool build --check` prints what api.check_build returns and fails as it fails: the
    wording lives in the library, the CLI only renders."""
    from kgtool import staleness
    from kgtool.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        api.check_build(mini_project)  # nothing built yet
    assert str(info.value) == (f"graph/songjiang.ttl: stale: built from none, sources are now "
                               f"{staleness.source_hash(mini_project)}; run `kgtool build`")
    r = cli_run(["build", "--check", "--project", str(mini_project.root)])
    assert r.exit_code == 1 and r.stderr == f"error: {info.value}\n"
    api.build(mini_project)
    line = api.check_build(mini_project)
    assert line == f"graph/songjiang.ttl: up to date ({staleness.source_hash(mini_project)})"
    r = cli_run(["build", "--check", "--project", str(mini_project.root)])
    assert r.exit_code == 0 and r.stdout == line + "\n"


def test_describe_formats_by_the_format_table(cli_run) -> None:  # noqa: ANN001
    """describe maps --format through kgtool.formats (describe.choose_format): aliases give the
    same bytes as the canonical names; a format describe cannot write is exit 2."""
    def run(fmt: str) -> tuple[int, str]:
        r = cli_run(["describe", "洞泾镇", "--data", str(SMALL), "--format", fmt])
        return r.exit_code, r.stdout

    for alias, name in (("ttl", "turtle"), ("json-ld", "jsonld"), ("ntriples", "nt"), ("text", "table")):
        code, out = run(alias)
        assert code == 0 and out and (code, out) == run(name), alias
    assert "place/洞泾镇" in run("table")[1] and json.loads(run("json")[1])
    r = cli_run(["describe", "洞泾镇", "--data", str(SMALL), "--format", "csv"])
    assert r.exit_code == 2 and "describe writes table, json, turtle, nt or jsonld" in r.stderr
