"""The persistent store: `kgtool load`, and querying, stats, describe, export and serve on it.

A store keeps values, not spelling: results are compared with the same work done on the built
graph's file as RDF values (numbers by value, language tags case-insensitively).
"""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest_server import ROOT, ServerProcess, get_query

GRAPH_FILE = ROOT / "graph" / "songjiang.ttl"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger",
           "positiveInteger", "nonPositiveInteger", "negativeInteger", "short", "byte",
           "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"}


def kgtool(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if "KGTOOL_STORE" not in (env or {}):
        full.pop("KGTOOL_STORE", None)
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def value(t: Any) -> Any:
    if t is None or type(t).__name__ != "Literal":
        return None if t is None else t.value
    if t.language:
        return (t.value, t.language.lower())
    try:
        return Decimal(t.value) if t.datatype.value.endswith(("integer", "decimal", "double")) \
            else t.value
    except ArithmeticError:
        return t.value


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: Any) -> Path:
    d = tmp_path_factory.mktemp("store") / "kg"
    r = kgtool(["load", "--store", str(d), str(GRAPH_FILE)])
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("loaded ") and "triples/s" in r.stderr
    return d


@pytest.fixture(scope="module")
def file_store() -> Any:
    from kgtool import query as q

    store, _, _ = q.load_store([q.DataSource(str(GRAPH_FILE))])
    return store


def test_load_is_one_graph_per_file_and_replaces(store_dir: Path, tmp_path: Path) -> None:
    from kgtool import store as ks

    graphs = ks.graphs(store_dir)
    assert graphs == [(GRAPH_FILE.resolve().as_uri(), graphs[0][1])] and graphs[0][1] > 1000
    # Loading again replaces (same state); KGTOOL_STORE works as --store.
    r = kgtool(["load", str(GRAPH_FILE)], {"KGTOOL_STORE": str(store_dir)})
    assert r.returncode == 0, r.stderr
    assert ks.graphs(store_dir) == graphs
    extra = tmp_path / "x.nt"
    extra.write_text('<http://e/a> <http://e/p> "v"@en-GB .\n', encoding="utf-8")
    other = tmp_path / "kg2"
    assert kgtool(["load", "--store", str(other), str(extra), "--graph", "http://e/g"]).returncode == 0
    assert ks.graphs(other) == [("http://e/g", 1)]
    assert ks.lang_case(other)("en-gb") == "en-GB"


def test_load_errors() -> None:
    assert kgtool(["load", "--store", "/tmp/x", "/nonexistent.ttl"]).returncode == 3
    assert kgtool(["load", str(GRAPH_FILE)]).returncode == 2  # no store given
    bad = kgtool(["load", "--store", "/tmp/kgtool-nostore-test", "README.md"])
    assert bad.returncode == 2 and "format" in bad.stderr


def test_competency_queries_same_values_on_store(store_dir: Path, file_store: Any) -> None:
    from kgtool import store as ks
    from kgtool.namespaces import PREFIXES

    st, lang, union = ks.open_for_query(store_dir)
    assert lang("zh-hans") == "zh-Hans"
    for path in sorted((ROOT / "kgtool" / "queries").glob("cq*.rq")):
        text = path.read_text(encoding="utf-8")
        a = st.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
        b = file_store.query(text, prefixes=PREFIXES)
        if hasattr(a, "variables"):
            names = [v.value for v in a.variables]
            rows_a = sorted(repr([value(s[n]) for n in names]) for s in a)
            rows_b = sorted(repr([value(s[n]) for n in names]) for s in b)
            assert rows_a == rows_b, path.name
        else:
            assert bool(a) == bool(b) if isinstance(a, type(b)) else True


def test_stats_and_describe_work_on_a_store(store_dir: Path, file_store: Any) -> None:
    from kgtool import describe, stats
    from kgtool import store as ks

    st, _, _ = ks.open_for_query(store_dir)
    a, b = stats.compute(st), stats.compute(file_store)
    assert (a.triples, a.fact_nodes, a.verified) == (b.triples, b.fact_nodes, b.verified)
    iri = describe.resolve(file_store, "place/松江区")
    assert describe.resolve(st, "place/松江区") == iri
    assert len(describe.sheet(st, iri).triples) == len(describe.sheet(file_store, iri).triples)


def test_export_from_a_store_keeps_values(store_dir: Path) -> None:
    from rdflib import Graph, Literal

    from kgtool import store as ks

    g = ks.rdflib_graph(store_dir)
    ref = Graph().parse(GRAPH_FILE)
    assert len(g) == len(ref)

    # Values equal; spelling may differ: canonical numbers, and the engine stores the derived
    # integer types (xsd:nonNegativeInteger...) as xsd:integer. Compare by value.
    def canon(graph: Graph) -> set[tuple[str, str, Any]]:
        out = set()
        for s, p, o in graph:
            dt = str(getattr(o, "datatype", "") or "")
            if dt.startswith(XSD) and dt[len(XSD):] in NUMERIC:
                key: Any = ("num", Decimal(str(o)))
            elif dt == XSD + "duration":
                # pyoxigraph canonicalises durations ("PT24H" comes back as "P1D"): compare values.
                key = ("duration", Literal(str(o), datatype=o.datatype).toPython())
            elif getattr(o, "language", None):
                key = (str(o), o.language.lower())
            else:
                key = o.n3()
            out.add((s.n3(), p.n3(), key))
        return out

    assert canon(g) == canon(ref)
    assert b"@zh-Hans" in ks.dump_nquads(store_dir)


def test_serve_a_store(store_dir: Path, file_store: Any) -> None:
    import json

    srv = ServerProcess(["--store", str(store_dir), "--quiet"])
    try:
        q = "SELECT ?s WHERE { ?s a kg:District } ORDER BY ?s"
        status, _, body = get_query(srv.url, q)
        assert status == 200
        got = [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
        from kgtool.namespaces import PREFIXES
        assert got == [r["s"].value for r in file_store.query(q, prefixes=PREFIXES)]
        # Scoped to the file's graph with default-graph-uri; an unknown graph is empty.
        status, _, body = get_query(srv.url, q, **{"default-graph-uri": GRAPH_FILE.resolve().as_uri()})
        assert len(json.loads(body)["results"]["bindings"]) == len(got)
        status, _, body = get_query(srv.url, q, **{"default-graph-uri": "http://nowhere/g"})
        assert json.loads(body)["results"]["bindings"] == []
        status, _, body = get_query(srv.url, "ASK { ?s ?p ?o }", None)
        assert status == 200
    finally:
        srv.stop()
