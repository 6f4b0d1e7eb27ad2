"""`kgtool push` and `kgtool remote-query` against a small local test store on 127.0.0.1.

What Virtuoso (tests/test_virtuoso.py) cannot exercise is tested here: Basic and Bearer auth,
netrc credentials, Fuseki- and GraphDB-style URL layouts, a store without the Graph Store
Protocol (fallback to SPARQL Update with skolemized blank nodes), and failure reporting. The test
store is an in-memory pyoxigraph behind http.server that records every request.
"""
from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD, TOKEN = "alice", "s3cret-pw", "tok-123456"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
FACTS = "https://w3id.org/kgtool/graph/facts"

DATA = """@prefix ex: <http://example.org/> .
ex:a ex:label "松江"@zh-Hans ; ex:v 2.50 ; ex:b [ ex:c "x" ; ex:d [ ex:e 1 ] ] .
"""

HEAD_TTL = "@prefix ex: <http://example.org/> .\n"


class MockStore:
    """Routes by vendor layout; `gsp=False` answers 405 to GSP like a store without it."""

    def __init__(self, layout: str, auth: str | None = None, gsp: bool = True) -> None:
        self.layout, self.auth, self.gsp = layout, auth, gsp
        self.store = ox.Store()
        self.log: list[tuple[str, str, str | None]] = []  # method, path?query, Authorization
        self.updates: list[str] = []      # SPARQL Update bodies
        self.posts = 0                    # Graph Store POSTs seen
        self.fail_post: int | None = None  # answer 503 from this POST on

    def route(self, path: str) -> str | None:
        table = {"fuseki": {"/ds/data": "gsp", "/ds/sparql": "query", "/ds/update": "update"},
                 "graphdb": {"/repositories/r/rdf-graphs/service": "gsp", "/repositories/r": "query",
                             "/repositories/r/statements": "update"},
                 "generic": {"/sparql": "any"}}[self.layout]
        return table.get(path)


def _handler(mock: MockStore) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain",
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(parts.query)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            got = self.headers.get("Authorization")
            mock.log.append((self.command, self.path, got))
            if mock.auth == "basic" and got != BASIC:
                return self._send(401, b"<html><body><h1>401</h1><p>login needed</p></body></html>",
                                  "text/html", {"WWW-Authenticate": 'Basic realm="test"'})
            if mock.auth == "bearer" and got != f"Bearer {TOKEN}":
                return self._send(401, b"bad token", extra={"WWW-Authenticate": "Bearer"})
            kind = mock.route(parts.path)
            if kind is None:
                return self._send(404, b"no such path")
            if kind == "any":
                kind = ("update" if self.command == "POST" and "update" in
                        (self.headers.get("Content-Type") or "") else
                        "gsp" if "graph" in params else "query")
            if kind == "gsp":
                if not mock.gsp:
                    return self._send(405, b"GSP not supported here")
                g = ox.NamedNode(params["graph"][0])
                if self.command == "PUT":
                    mock.store.remove_graph(g) if mock.store.contains_named_graph(g) else None
                    mock.store.load(body, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
                    return self._send(201)
                if self.command == "POST":  # append
                    mock.posts += 1
                    if mock.fail_post is not None and mock.posts >= mock.fail_post:
                        return self._send(503, b"overloaded")
                    mock.store.load(body, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
                    return self._send(200)
                if self.command == "DELETE":
                    if not mock.store.contains_named_graph(g):
                        return self._send(404)
                    mock.store.remove_graph(g)
                    return self._send(204)
                return self._send(405)
            if kind == "update":
                mock.updates.append(body.decode())
                try:
                    mock.store.update(body.decode())
                except SyntaxError as exc:
                    return self._send(400, str(exc).encode())
                return self._send(204)
            query = params.get("query", [None])[0]
            if query is None and self.command == "POST":
                query = urllib.parse.parse_qs(body.decode()).get("query", [None])[0]
            dg = [ox.NamedNode(g) for g in params.get("default-graph-uri", [])]
            res = mock.store.query(query, default_graph=dg or None)
            if isinstance(res, ox.QueryTriples):
                data = ox.serialize(list(res), format=ox.RdfFormat.N_TRIPLES)
                return self._send(200, data, "application/n-triples")
            data = res.serialize(format=ox.QueryResultsFormat.XML)
            return self._send(200, data, "application/sparql-results+xml")

        do_GET = do_PUT = do_POST = do_DELETE = _handle

    return H


@pytest.fixture
def mock_store(request: Any) -> Iterator[tuple[MockStore, str]]:
    layout, auth, gsp = request.param
    mock = MockStore(layout, auth, gsp)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mock))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{srv.server_port}"
    base += {"fuseki": "/ds", "graphdb": "/repositories/r", "generic": "/sparql"}[layout]
    try:
        yield mock, base
    finally:
        srv.shutdown()
        srv.server_close()


def kgtool(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if args[0] == "push" and "--data" not in args and "--store" not in args:
        # The committed graph file, explicitly: never a rebuild of a stale graph mid-test.
        args = [*args, "--data", str(ROOT / "graph" / "songjiang.ttl")]
    full = {k: v for k, v in os.environ.items()
            if not k.startswith("KGTOOL_ENDPOINT_") and k not in ("KGTOOL_NETRC", "KGTOOL_STORE")}
    full.update({"PYTHONPATH": str(ROOT), "HOME": "/nonexistent", **(env or {})})
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def _count(mock: MockStore, graph: str) -> int:
    return len(list(mock.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))))


@pytest.mark.parametrize("mock_store", [("fuseki", "basic", True)], indirect=True)
def test_fuseki_layout_basic_auth_and_redacted_log(mock_store: tuple[MockStore, str]) -> None:
    mock, base = mock_store
    env = {"KGTOOL_ENDPOINT_USER": USER, "KGTOOL_ENDPOINT_PASSWORD": PASSWORD}
    r = kgtool(["push", "--endpoint", base, "--vendor", "fuseki", "-v"], env)
    assert r.returncode == 0, r.stderr
    assert "by gsp, verified" in r.stdout
    paths = [p.split("?")[0] for _, p, _ in mock.log]
    assert "/ds/data" in paths and "/ds/sparql" in paths
    assert any(m == "POST" and p.startswith("/ds/data?graph=") for m, p, _ in mock.log)
    assert any(u.startswith("MOVE SILENT GRAPH <https://w3id.org/kgtool/.well-known/push/")
               for u in mock.updates)
    n = _count(mock, FACTS)
    assert n > 1000
    # -v shows the exchange but never the credentials.
    assert "Authorization: [redacted]" in r.stderr
    assert PASSWORD not in r.stderr and BASIC.split()[1] not in r.stderr
    # Twice: the same state (PUT replaces).
    before = sorted(str(q) for q in mock.store)
    assert kgtool(["push", "--endpoint", base, "--vendor", "fuseki"], env).returncode == 0
    assert sorted(str(q) for q in mock.store) == before
    # Wrong password: one line, status and the server's message (HTML stripped), exit 6.
    bad = kgtool(["push", "--endpoint", base, "--vendor", "fuseki"],
                 {"KGTOOL_ENDPOINT_USER": USER, "KGTOOL_ENDPOINT_PASSWORD": "nope"})
    assert bad.returncode == 6
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: HTTP 401 Unauthorized")
    assert "login needed" in bad.stderr and "<html>" not in bad.stderr
    # No credentials at all: the hint says where they come from.
    none = kgtool(["push", "--endpoint", base, "--vendor", "fuseki"])
    assert none.returncode == 6 and "KGTOOL_ENDPOINT_USER" in none.stderr
    # Delete.
    assert kgtool(["push", "--endpoint", base, "--vendor", "fuseki", "--delete"], env).returncode == 0
    assert _count(mock, FACTS) == 0


@pytest.mark.parametrize("mock_store", [("graphdb", "bearer", True)], indirect=True)
def test_graphdb_layout_bearer_token(mock_store: tuple[MockStore, str], tmp_path: Path) -> None:
    mock, base = mock_store
    data = tmp_path / "extra.ttl"
    data.write_text(DATA, encoding="utf-8")
    r = kgtool(["push", "--endpoint", base, "--vendor", "graphdb", "--data", str(data),
                "--graph", "http://example.org/g", "-v"], {"KGTOOL_ENDPOINT_TOKEN": TOKEN})
    assert r.returncode == 0, r.stderr
    assert any(p.startswith("/repositories/r/rdf-graphs/service?graph=") for _, p, _ in mock.log)
    assert all(a == f"Bearer {TOKEN}" for _, _, a in mock.log)
    assert TOKEN not in r.stderr and "[redacted]" in r.stderr
    assert _count(mock, "http://example.org/g") == 6
    # Language tags keep their case on the wire (pyoxigraph's parser lower-cases them).
    q = kgtool(["remote-query", "--endpoint", base, "--graph", "http://example.org/g",
                "SELECT ?l WHERE { ?s <http://example.org/label> ?l }", "--format", "tsv"],
               {"KGTOOL_ENDPOINT_TOKEN": TOKEN})
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines() == ["?l", '"松江"@zh-Hans']


@pytest.mark.parametrize("mock_store", [("generic", None, False)], indirect=True)
def test_update_fallback_skolemizes_and_batches(mock_store: tuple[MockStore, str],
                                                tmp_path: Path) -> None:
    mock, base = mock_store
    data = tmp_path / "b.ttl"
    data.write_text(DATA, encoding="utf-8")
    args = ["push", "--endpoint", base, "--data", str(data), "--graph", "http://example.org/u",
            "--batch", "3"]
    r = kgtool(args)
    assert r.returncode == 0, r.stderr
    assert "6 triples by update, verified 6" in r.stdout
    inserts = [u for u in mock.updates if u.startswith("INSERT DATA")]
    assert len(inserts) == 2  # ceil(6 / 3) INSERT DATA batches into the temporary graph
    assert all("/.well-known/push/" in u for u in inserts)
    assert mock.updates[-1].startswith("MOVE SILENT GRAPH")
    subjects = {q.subject for q in mock.store.quads_for_pattern(None, None, None,
                                                                ox.NamedNode("http://example.org/u"))}
    assert not any(isinstance(s, ox.BlankNode) for s in subjects)
    assert any(s.value.startswith("https://w3id.org/kgtool/.well-known/genid/") for s in subjects)
    before = sorted(str(q) for q in mock.store)
    assert kgtool(args).returncode == 0
    assert sorted(str(q) for q in mock.store) == before  # stable skolem IRIs: same state


@pytest.mark.parametrize("mock_store", [("fuseki", "basic", True)], indirect=True)
def test_netrc_credentials(mock_store: tuple[MockStore, str], tmp_path: Path) -> None:
    _, base = mock_store
    rc = tmp_path / "netrc"
    rc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n", encoding="utf-8")
    rc.chmod(0o600)
    r = kgtool(["push", "--endpoint", base, "--vendor", "fuseki"], {"KGTOOL_NETRC": str(rc)})
    assert r.returncode == 0, r.stderr


def test_unreachable_endpoint_is_exit_6() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = kgtool(["push", "--endpoint", f"http://127.0.0.1:{port}/ds", "--vendor", "fuseki",
                "--timeout", "5"])
    assert r.returncode == 6
    assert r.stderr.startswith("error: push of <") and r.stderr.count("\n") == 1
    assert "at step 1" in r.stderr and "cannot reach http://127.0.0.1:" in r.stderr
    q = kgtool(["remote-query", "--endpoint", f"http://127.0.0.1:{port}/sparql", "cq01"])
    assert q.returncode == 6


def test_credentials_in_url_are_refused() -> None:
    r = kgtool(["push", "--endpoint", "http://u:pw@127.0.0.1:1/ds", "--vendor", "fuseki"])
    assert r.returncode == 2 and "credentials in the URL" in r.stderr and "pw" not in r.stderr


def test_vendor_table() -> None:
    from kgtool.push import Target
    from kgtool.remote import Auth

    v = Target("http://h:8890/sparql", "virtuoso", Auth())
    assert (v.query, v.gsp) == ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud")
    assert v.graph_url("http://g/1") == "http://h:8890/sparql-graph-crud?graph-uri=http%3A%2F%2Fg%2F1"
    va = Target("http://h:8890", "virtuoso", Auth(user="dba", password="x"))
    assert va.gsp.endswith("/sparql-graph-crud-auth") and va.query.endswith("/sparql-auth")
    f = Target("http://h:3030/kg", "fuseki", Auth())
    assert (f.query, f.update, f.gsp) == ("http://h:3030/kg/sparql", "http://h:3030/kg/update",
                                          "http://h:3030/kg/data")
    g = Target("http://h:7200/repositories/r", "graphdb", Auth())
    assert g.graph_url("x:g").startswith("http://h:7200/repositories/r/rdf-graphs/service?graph=")
    assert g.update.endswith("/statements")
    o = Target("http://h/query", "generic", Auth(), gsp_url="http://h/store")
    assert o.graph_url("x:g") == "http://h/store?graph=x%3Ag"
    assert repr(Auth(user="u", password="secret")) == "Auth(user)"


def _lines(n: int, tag: str) -> list[str]:
    return [f'<http://example.org/s{i}> <http://example.org/p> "{tag} {i}" .\n' for i in range(n)]


@pytest.mark.parametrize("mock_store", [("fuseki", None, True)], indirect=True)
def test_failure_mid_push_keeps_the_old_graph_and_the_rerun_resumes(
        mock_store: tuple[MockStore, str]) -> None:
    from kgtool import push as pu
    from kgtool.errors import RemoteError
    from kgtool.remote import Auth

    mock, base = mock_store
    target = pu.Target(base, "fuseki", Auth())
    g = "http://example.org/big"
    quiet = {"sleep": lambda s: None, "progress": lambda *a: None, "auth": Auth()}
    pu.push([pu.Source(g, _lines(100, "v1"), "v1")], target, chunk=10, **quiet)
    old = sorted(str(q) for q in mock.store)
    assert _count(mock, g) == 100 and mock.posts == 10

    new = pu.Source(g, _lines(120, "v2"), "v2")
    mock.posts, mock.fail_post = 0, 4           # the 4th POST and every later one: 503
    with pytest.raises(RemoteError) as err:
        pu.push([new], target, chunk=10, retries=2, **quiet)
    msg = str(err.value)
    assert "step 2 (upload request 4 of 12" in msg and "unchanged" in msg
    assert "resume at request 4 of 12" in msg and "\n" not in msg
    assert mock.posts == 3 + 3                  # 3 accepted, then the 4th tried 1 + 2 retries
    assert _count(mock, g) == 100               # the old version, untouched
    assert {str(q) for q in mock.store} >= set(old)
    assert _count(mock, pu.temp_graph(new)) == 30

    mock.posts, mock.fail_post = 0, None
    report = pu.push([new], target, chunk=10, **quiet)
    assert mock.posts == 12 - 3                 # resumed at request 4
    assert report.rows == [(g, 120, 120, "gsp")]
    assert _count(mock, pu.temp_graph(new)) == 0
    got = {q.object.value for q in mock.store.quads_for_pattern(None, None, None, ox.NamedNode(g))}
    assert got == {f"v2 {i}" for i in range(120)}


@pytest.mark.parametrize("mock_store", [("fuseki", None, True)], indirect=True)
def test_delete_after_a_push_that_stopped_removes_its_temporary_graph(
        mock_store: tuple[MockStore, str], tmp_path: Path) -> None:
    """A push cut midway leaves its temporary graph (for the resume); deciding instead to
    delete the data removes that too, so nothing of kgtool's stays on the server."""
    from kgtool import push as pu

    mock, base = mock_store
    data = tmp_path / "big.nt"
    data.write_text("".join(_lines(100, "v1")), encoding="utf-8")
    g = "http://example.org/big"
    mock.posts, mock.fail_post = 0, 4
    args = ["push", "--endpoint", base, "--vendor", "fuseki", "--graph", g, "--data", str(data)]
    assert kgtool([*args, "--chunk", "10"]).returncode == 6
    temp = pu.temp_graph(pu.sources_from_files([str(data)], g, False)[0])
    assert _count(mock, temp) == 30
    mock.fail_post = None
    assert kgtool([*args, "--delete"]).returncode == 0
    assert _count(mock, temp) == 0 and _count(mock, g) == 0 and len(mock.store) == 0


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from kgtool.push import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    plain, tty = io.StringIO(), Tty()
    for stream in (plain, tty):
        bar = Progress(stream)
        bar("g", 50, 200, "upload 2/4")
        bar("g", 200, 200, "done")
    assert plain.getvalue() == ""
    assert "25%" in tty.getvalue() and "100%" in tty.getvalue() and tty.getvalue().endswith("\n")


@pytest.mark.parametrize("mock_store", [("fuseki", None, True)], indirect=True)
def test_push_a_store_graph_by_graph(mock_store: tuple[MockStore, str], tmp_path: Path) -> None:
    """A store's graphs are read by the engine's dump (tags as written) and pushed one by one;
    a graph taking several requests gets its blank nodes as stable IRIs."""
    from kgtool import push as pu
    from kgtool import store as ks
    from kgtool.remote import Auth

    mock, base = mock_store
    data = tmp_path / "d.ttl"
    data.write_text(DATA, encoding="utf-8")
    d = tmp_path / "st"
    ks.load_files(d, [str(data)], graph="http://example.org/g1")
    ks.load_files(d, [str(ROOT / "tests" / "fixtures" / "query" / "small.ttl")],
                  graph="http://example.org/g2")
    sources = list(pu.sources_from_store(str(d), None, False))
    names = [s.graph for s in sources]
    assert names[:2] == ["http://example.org/g1", "http://example.org/g2"]
    assert any('"松江"@zh-Hans'.encode() in line for line in sources[0].lines)
    report = pu.push(sources, pu.Target(base, "fuseki", Auth()), chunk=2, auth=Auth(),
                     progress=lambda *a: None, sleep=lambda s: None)
    for (g, sent, counted, how), src in zip(report.rows, sources):
        assert sent == counted == src.triples == _count(mock, g) and how == "gsp"
    g1 = list(mock.store.quads_for_pattern(None, None, None, ox.NamedNode("http://example.org/g1")))
    assert not any(isinstance(q.subject, ox.BlankNode) for q in g1)   # 6 triples, 3 requests
    assert _count(mock, "http://example.org/g1") == 6


@pytest.mark.parametrize("mock_store", [("fuseki", None, True)], indirect=True)
def test_push_a_store_keeps_lines_whole_at_unicode_line_separators(
        mock_store: tuple[MockStore, str], tmp_path: Path) -> None:
    """U+2028 and U+2029 are line breaks to Python's str.splitlines, not to N-Triples: a literal
    holding one is one triple, sent whole (it used to be cut in two, and the count failed)."""
    from kgtool import push as pu
    from kgtool import store as ks
    from kgtool.remote import Auth

    mock, base = mock_store
    data = tmp_path / "sep.ttl"
    data.write_text('<http://e.org/s> <http://e.org/p> "a\u2028b" , "c\u2029d" , "e\x1cf" .\n',
                    encoding="utf-8")
    d = tmp_path / "st"
    ks.load_files(d, [str(data)], graph="http://example.org/sep")
    src = next(s for s in pu.sources_from_store(str(d), None, False)
               if s.graph == "http://example.org/sep")   # the store also has its union graph
    assert src.triples == 3
    report = pu.push([src], pu.Target(base, "fuseki", Auth()), chunk=1, auth=Auth(),
                     progress=lambda *a: None, sleep=lambda s: None)
    assert report.rows == [("http://example.org/sep", 3, 3, "gsp")]
    got = {q.object.value for q in mock.store.quads_for_pattern(
        None, None, None, ox.NamedNode("http://example.org/sep"))}
    assert got == {"a\u2028b", "c\u2029d", "e\x1cf"}


@pytest.mark.parametrize("name, data, error", [
    ("end.ttl", HEAD_TTL + "ex:c ex:p", "InputError"),
    ("doctype.rdf", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa">]><rdf:RDF '
                    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "PolicyError"),
    ("ctx.jsonld", b'{"@context": "http://example.org/ctx.jsonld", "@id": "http://e.org/a"}',
     "PolicyError"),
    ("missing.ttl", None, "InputError"),
    ("bom.ttl", b"\xef\xbb\xbf" + (HEAD_TTL + "ex:c ex:p ex:d .").encode(), None),
])
def test_push_reads_files_with_the_one_reader(tmp_path: Path, name: str, data: Any,
                                              error: str | None) -> None:
    """push's files go through kgtool.oxreader: the same error line (file:line:col), DOCTYPE and
    JSON-LD context refusals and byte-order-mark handling as `kgtool query --data`."""
    from kgtool import push as kpush
    from kgtool import query as q
    from kgtool.errors import KgtoolError

    path = tmp_path / name
    if data is not None:
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    def outcome(fn: Any) -> tuple[str, str] | None:
        try:
            fn()
        except KgtoolError as exc:
            return type(exc).__name__, str(exc)
        return None

    pushed = outcome(lambda: kpush.sources_from_files([str(path)], None, False))
    queried = outcome(lambda: q.load_store([q.DataSource(str(path))]))
    assert pushed == queried, (pushed, queried)
    assert (pushed[0] if pushed else None) == error, pushed
    if pushed:
        assert pushed[1].startswith(str(path)) and "\n" not in pushed[1]
    if name == "end.ttl":
        assert pushed and pushed[1].startswith(f"{path}:2:10: "), pushed
    if error is None:
        (src,) = kpush.sources_from_files([str(path)], None, False)
        assert len(src.lines) == 1
