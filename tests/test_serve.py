"""`kgtool serve`: the SPARQL 1.1 Protocol endpoint, run as a real process on 127.0.0.1.

Clients: plain urllib and raw sockets (for malformed and half-sent requests), and rdflib's
SPARQLStore. Every answer is checked against the same query run locally with pyoxigraph.
"""
from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import urllib.parse
from typing import Any, Iterator

import pytest

from conftest_server import ROOT, ServerProcess, get_query, http

DISTRICTS = "SELECT ?s WHERE { ?s a kg:District } ORDER BY ?s"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    srv = ServerProcess(["--data", str(ROOT / "graph" / "songjiang.ttl"), "--timeout", "2", "--row-cap", "50", "--workers", "2",
                         "--client-timeout", "1", "--max-body", "100000", "--quiet"])
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def local() -> Any:
    from kgtool import query as q
    from kgtool.namespaces import PREFIXES
    from kgtool.project import Project

    # The same file the server fixture serves.
    store, _, union = q.load_store([q.DataSource(str(ROOT / "graph" / "songjiang.ttl"))])

    def run(text: str) -> list[list[str]]:
        res = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
        names = [v.value for v in res.variables]
        return [[s[n].value if s[n] is not None else None for n in names] for s in res]

    return run


def _json_rows(body: bytes) -> list[list[str | None]]:
    doc = json.loads(body)
    names = doc["head"]["vars"]
    return [[b.get(n, {}).get("value") for n in names] for b in doc["results"]["bindings"]]


def test_get_select_json_matches_local(server: ServerProcess, local: Any) -> None:
    status, headers, body = get_query(server.url, DISTRICTS)
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert _json_rows(body) == local(DISTRICTS) and _json_rows(body)


@pytest.mark.parametrize("accept, ctype", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_content_negotiation(server: ServerProcess, local: Any, accept: str,
                                    ctype: str) -> None:
    status, headers, body = get_query(server.url, DISTRICTS, accept)
    assert status == 200 and headers["Content-Type"].split(";")[0] == ctype
    if ctype == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert rows[0] == ["s"] and [r[0] for r in rows[1:]] == [r[0] for r in local(DISTRICTS)]


@pytest.mark.parametrize("accept, ctype", [("text/turtle", "text/turtle"),
                                           ("application/n-triples", "application/n-triples"),
                                           ("application/ld+json", "application/ld+json"),
                                           ("application/rdf+xml", "application/rdf+xml")])
def test_construct_content_negotiation(server: ServerProcess, accept: str, ctype: str) -> None:
    import pyoxigraph as ox

    q = "CONSTRUCT { ?s a kg:District } WHERE { ?s a kg:District }"
    status, headers, body = get_query(server.url, q, accept)
    assert status == 200 and headers["Content-Type"].split(";")[0] == ctype
    triples = list(ox.parse(body, format=ox.RdfFormat.from_media_type(ctype)))
    assert len(triples) == 1


STAR = "SELECT * WHERE { ?thing a kg:District ; ?pred ?obj . BIND(1 AS ?a) } LIMIT 5"


def test_select_star_columns_in_the_order_kgtool_query_gives(server: ServerProcess) -> None:
    """The engine sorts SELECT * columns by name (?a ?obj ?pred ?thing); the endpoint, like
    `kgtool query` (kgtool.query.select_order), keeps their order of first appearance."""
    from kgtool import api

    expected = api.Dataset.from_files(ROOT / "graph" / "songjiang.ttl").query(STAR).variables
    assert expected == ["thing", "pred", "obj", "a"]
    status, _, body = get_query(server.url, STAR)
    assert status == 200 and json.loads(body)["head"]["vars"] == expected
    doc = json.loads(body)
    assert all(b["thing"]["value"].endswith("松江区") for b in doc["results"]["bindings"])
    status, _, body = get_query(server.url, STAR, "text/csv")
    assert status == 200 and next(csv.reader(io.StringIO(body.decode("utf-8")))) == expected


def test_not_acceptable_and_format_parameter(server: ServerProcess) -> None:
    status, headers, body = get_query(server.url, DISTRICTS, "text/turtle")
    assert status == 406 and headers["Content-Type"].startswith("text/plain")
    status, headers, _ = get_query(server.url, DISTRICTS, "text/turtle", format="tsv")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")


def test_post_form_and_sparql_query(server: ServerProcess, local: Any) -> None:
    form = urllib.parse.urlencode({"query": DISTRICTS}).encode()
    for body, ctype in ((form, "application/x-www-form-urlencoded"),
                        (DISTRICTS.encode(), "application/sparql-query")):
        status, _, out = http("POST", server.url, body, {"Content-Type": ctype})
        assert status == 200 and _json_rows(out) == local(DISTRICTS)


def test_ask_and_service_description(server: ServerProcess) -> None:
    status, _, body = get_query(server.url, "ASK { ?s a kg:District }")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, body = http("GET", server.url, headers={"Accept": "text/turtle"})
    assert status == 200 and b"sd:Service" in body and b"SPARQL11Query" in body
    status, headers, body = http("GET", server.base + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<textarea" in body


@pytest.mark.parametrize("method, query, ctype, body, status, words", [
    ("GET", "INSERT DATA { <a:s> <a:p> <a:o> }", None, None, 403, "update"),
    ("GET", "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", None, None, 403,
     "SERVICE"),
    ("GET", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", None, None, 403, "FROM"),
    ("GET", "SELECT * WHERE { ?s ?p ?o", None, None, 400, "<query>:1:"),
    ("GET", "SELECT * WHERE { ?s nope:p ?o }", None, None, 400, "undeclared prefix 'nope:'"),
    ("POST", None, "application/sparql-update", b"DROP ALL", 403, "read-only"),
    ("POST", None, "application/x-www-form-urlencoded", b"update=DROP+ALL", 403, "read-only"),
    ("POST", None, "text/plain", b"SELECT * WHERE { ?s ?p ?o }", 415, "Content-Type"),
    ("POST", None, "application/x-www-form-urlencoded", b"nothing=here", 400, "query"),
    ("POST", None, "application/sparql-query", b"\xff\xfe", 400, "UTF-8"),
    ("PUT", None, "text/turtle", b"<a:s> <a:p> <a:o> .", 405, "read-only"),
    ("DELETE", None, None, None, 405, "read-only"),
])
def test_refusals_and_errors(server: ServerProcess, method: str, query: str | None,
                             ctype: str | None, body: bytes | None, status: int,
                             words: str) -> None:
    url = server.url + ("?" + urllib.parse.urlencode({"query": query}) if query else "")
    got, headers, text = http(method, url, body, {"Content-Type": ctype} if ctype else {})
    assert got == status, text
    assert headers["Content-Type"].startswith("text/plain")
    assert text.decode().startswith("error: ") and words in text.decode()


def test_unknown_path_is_404(server: ServerProcess) -> None:
    assert http("GET", server.base + "/etc/passwd")[0] == 404


def test_row_cap_truncation_is_visible(server: ServerProcess) -> None:
    status, headers, body = get_query(server.url, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert status == 200
    assert len(_json_rows(body)) == 50
    assert headers["X-Kgtool-Truncated"].startswith("true; rows=50")
    status, headers, _ = get_query(server.url, "SELECT ?s WHERE { ?s a kg:District }")
    assert "X-Kgtool-Truncated" not in headers


def test_timeout_kills_the_query_and_the_server_recovers(server: ServerProcess) -> None:
    t0 = time.monotonic()
    status, _, body = get_query(server.url, SLOW)
    assert status == 503 and b"timeout" in body
    assert time.monotonic() - t0 < 6
    # The killed worker is replaced; later queries are answered.
    for _ in range(5):
        assert get_query(server.url, "ASK { ?s ?p ?o }")[0] == 200


def _raw(port: int, data: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def test_half_request_times_out_with_408(server: ServerProcess) -> None:
    t0 = time.monotonic()
    head = (b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nSELECT")
    answer = _raw(server.port, head)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - t0 < 4
    # Stalling inside the headers: the connection is dropped after the client timeout.
    t0 = time.monotonic()
    _raw(server.port, b"GET /sparql?query=ASK")
    assert time.monotonic() - t0 < 4
    assert get_query(server.url, "ASK { ?s ?p ?o }")[0] == 200


def test_oversized_body_is_413_without_reading_it(server: ServerProcess) -> None:
    big = 20 * 1024 * 1024
    head = (f"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
            f"Content-Length: {big}\r\n\r\n").encode() + b"#" * 65536
    answer = _raw(server.port, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert get_query(server.url, "ASK { ?s ?p ?o }")[0] == 200


def test_a_client_sending_a_whole_oversized_body_reads_the_413(server: ServerProcess) -> None:
    """urllib sends the whole body before it reads; the server answers 413 without reading it,
    then drains what is still coming (bounded), so the client gets the 413, not a broken pipe."""
    for _ in range(5):
        status, _headers, body = http("POST", server.url, b"#" * (20 << 20),
                                      {"Content-Type": "application/sparql-query"}, timeout=30)
        assert status == 413 and body.startswith(b"error: request body of"), (status, body[:100])
    assert get_query(server.url, "ASK { ?s ?p ?o }")[0] == 200


def test_malformed_request_line(server: ServerProcess) -> None:
    answer = _raw(server.port, b"BLAH\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"text/plain" in answer and answer.split(b"\r\n\r\n", 1)[1].startswith(b"error: 400")


def test_rdflib_sparqlstore_client(server: ServerProcess, local: Any) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    q = ("PREFIX kg: <https://w3id.org/kgtool/def/>\n" + DISTRICTS)
    g = Graph(store=SPARQLStore(server.url, returnFormat="json"))
    assert [[str(r[0])] for r in g.query(q)] == local(DISTRICTS)
    g2 = Graph(store=SPARQLStore(server.url, returnFormat="xml", method="POST"))
    res = g2.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5")
    assert len(res.graph) == 5


def test_concurrent_clients_get_correct_answers(server: ServerProcess, local: Any) -> None:
    """A light version of bench/serve_load.py: 4 clients x 25 queries, all correct."""
    queries = [DISTRICTS, "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c LIMIT 40",
               "SELECT ?l WHERE { ?s skos:prefLabel ?l } ORDER BY ?l LIMIT 20"]
    expected = {q: local(q) for q in queries}
    errors: list[str] = []

    def client(k: int) -> None:
        for i in range(25):
            q = queries[(k + i) % len(queries)]
            status, _, body = get_query(server.url, q)
            if status != 200 or _json_rows(body) != expected[q]:
                errors.append(f"client {k} query {i}: {status}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert server.alive()
