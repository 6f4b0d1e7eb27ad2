"""SPARQL 1.1 Protocol details of `kgtool serve`, checked with three independent clients.

* The same SELECT, ASK and CONSTRUCT through Apache Jena's `rsparql` (Debian package, via
  scripts/jena.sh), SPARQLWrapper and curl give identical answers:
  the same bindings with the same language tags and datatypes, the same boolean, the same triples.
* Negotiated answers say `Vary: Accept`; the endpoint's RDF/XML writes language tags as the data
  and the other formats do (`zh-Hans`, not the engine's `zh-hans`).
* CORS and OPTIONS only with `serve --cors`: by default OPTIONS is 405 and no
  Access-Control-Allow-Origin is sent.
"""
from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal

from conftest_server import ServerProcess, http

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "graph" / "songjiang.ttl"

SELECT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
SELECT ?obs ?label ?value WHERE {
  ?obs a qb:Observation ; skos:prefLabel ?label ; sdmx-measure:obsValue ?value .
} ORDER BY ?obs ?label"""
ASK_TRUE = "ASK { <https://w3id.org/kgtool/id/place/松江区> ?p ?o }"
ASK_FALSE = "ASK { <https://w3id.org/kgtool/id/place/nowhere> ?p ?o }"
CONSTRUCT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a <https://w3id.org/kgtool/def/Town> ; skos:prefLabel ?l }"""


def _term(b: dict[str, str]) -> tuple[str, str, str]:
    kind = "literal" if b["type"] in ("literal", "typed-literal") else b["type"]
    return (kind, b["value"], b.get("xml:lang") or b.get("datatype") or "")


def rows(doc: dict[str, Any]) -> list[tuple]:
    """SPARQL JSON results as comparable rows (the order of the query is kept)."""
    names = doc["head"]["vars"]
    return [tuple(_term(r[v]) if v in r else None for v in names) for r in doc["results"]["bindings"]]


def triples(text: bytes | str, fmt: str) -> set[tuple]:
    g = Graph().parse(data=text, format=fmt)
    return {(s, p, (o, o.language, o.datatype) if isinstance(o, Literal) else o) for s, p, o in g}


@pytest.fixture(scope="module")
def server() -> Any:
    srv = ServerProcess(["--data", str(DATA), "--workers", "1", "--no-pages", "--quiet"])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def jena(jena_sh: Path) -> Path:
    return jena_sh


def rsparql(jena: Path, url: str, query: str, results: str, tmp: Path) -> str:
    qfile = tmp / "q.rq"
    qfile.write_text(query, encoding="utf-8")
    r = subprocess.run(["bash", str(jena), "run", "arq.rsparql", f"--service={url}",
                        f"--query={qfile}", f"--results={results}"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def wrapper(url: str, query: str, fmt: str) -> Any:
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(JSON if fmt == "json" else TURTLE)
    return sw.query().convert()


def curl(url: str, query: str, accept: str) -> tuple[int, Any, bytes]:
    """GET the query with the real curl (Debian's /usr/bin/curl): status, headers, body."""
    from email.parser import BytesHeaderParser

    r = subprocess.run(["curl", "-sS", "--max-time", "30", "-G", url, "--data-urlencode",
                        f"query={query}", "-H", f"Accept: {accept}", "-D", "-"],
                       capture_output=True, timeout=60, check=True)
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    status_line, _, fields = head.partition(b"\r\n")
    return int(status_line.split()[1]), BytesHeaderParser().parsebytes(fields), body


# ------------------------------------------------------------------------------ same answers

def test_select_identical_across_clients(server: Any, jena: Path, tmp_path: Path) -> None:
    status, headers, body = curl(server.url, SELECT, "application/sparql-results+json")
    assert status == 200
    ours = rows(json.loads(body))
    assert len(ours) >= 20 and any(r[1][2] == "zh-Hans" for r in ours)
    assert rows(wrapper(server.url, SELECT, "json")) == ours
    assert rows(json.loads(rsparql(jena, server.url, SELECT, "json", tmp_path))) == ours


@pytest.mark.parametrize("query, expected", [(ASK_TRUE, True), (ASK_FALSE, False)])
def test_ask_identical_across_clients(server: Any, jena: Path, tmp_path: Path, query: str,
                                      expected: bool) -> None:
    status, _, body = curl(server.url, query, "application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is expected
    assert wrapper(server.url, query, "json")["boolean"] is expected
    if expected:  # one JVM start is about 5 s: Jena checks the true answer
        assert json.loads(rsparql(jena, server.url, query, "json", tmp_path))["boolean"] is True


def test_construct_identical_across_clients(server: Any, jena: Path, tmp_path: Path) -> None:
    status, _, body = curl(server.url, CONSTRUCT, "text/turtle")
    assert status == 200
    ours = triples(body, "turtle")
    assert len(ours) >= 2 and any(o[1] == "zh-Hans" for _, _, o in ours)
    sw = wrapper(server.url, CONSTRUCT, "turtle")
    assert triples(sw, "turtle") == ours
    assert triples(rsparql(jena, server.url, CONSTRUCT, "N-Triples", tmp_path), "nt") == ours


# ------------------------------------------------------------------------------ RDF/XML, Vary

def test_rdf_xml_keeps_language_tags_as_written(server: Any) -> None:
    _, _, ttl = curl(server.url, CONSTRUCT, "text/turtle")
    status, headers, xml = curl(server.url, CONSTRUCT, "application/rdf+xml")
    assert status == 200 and headers["Content-Type"].startswith("application/rdf+xml")
    assert b'xml:lang="zh-Hans"' in xml and b'xml:lang="zh-hans"' not in xml
    assert triples(xml, "xml") == triples(ttl, "turtle")


@pytest.mark.parametrize("query, accept", [
    (SELECT, "application/sparql-results+json"), (SELECT, "text/csv"), (ASK_TRUE, "application/sparql-results+xml"),
    (CONSTRUCT, "text/turtle"), (CONSTRUCT, "application/rdf+xml"),
])
def test_negotiated_answers_vary_on_accept(server: Any, query: str, accept: str) -> None:
    status, headers, _ = curl(server.url, query, accept)
    assert status == 200 and headers["Vary"] == "Accept"


def test_service_description_and_406_vary_on_accept(server: Any) -> None:
    status, headers, _ = http("GET", server.url, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Vary"] == "Accept"
    status, headers, _ = curl(server.url, SELECT, "image/png")
    assert status == 406 and headers["Vary"] == "Accept"


# ------------------------------------------------------------------------------ CORS

def test_no_cors_by_default(server: Any) -> None:
    status, headers, _ = http("OPTIONS", server.url, headers={"Origin": "https://example.org",
                                                             "Access-Control-Request-Method": "POST"})
    assert status == 405 and "OPTIONS" not in headers["Allow"]
    _, headers, _ = curl(server.url, ASK_TRUE, "application/sparql-results+json")
    assert headers.get("Access-Control-Allow-Origin") is None


def test_cors_flag_enables_preflight_and_origin_header() -> None:
    srv = ServerProcess(["--data", str(DATA), "--workers", "1", "--no-pages", "--quiet", "--cors"])
    try:
        status, headers, body = http("OPTIONS", srv.url, headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert status == 204 and body == b""
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in headers["Access-Control-Allow-Methods"]
        assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
        form = urllib.parse.urlencode({"query": ASK_TRUE}).encode()
        status, headers, body = http("POST", srv.url, form, {
            "Origin": "https://example.org", "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
        assert status == 200 and json.loads(body)["boolean"] is True
        assert headers["Access-Control-Allow-Origin"] == "*"
        status, headers, _ = http("OPTIONS", srv.base + "/elsewhere")
        assert status == 404
    finally:
        srv.stop()
