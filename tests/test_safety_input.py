"""Hostile and awkward input files (#14.2, #12.5): JSON-LD contexts never reach the network or
the disk, a UTF-8 byte-order mark is accepted, an over-long line is refused in one line."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Listener:
    """A loopback TCP listener that records every connection it gets (it must get none)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def kgtool(args: list[str], cwd: Path, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "kgtool", *args], capture_output=True,
                          text=True, cwd=cwd, env=full, timeout=timeout)


def commands(path: Path, tmp: Path) -> list[list[str]]:
    return [["validate", str(path)], ["export", "--data", str(path)],
            ["query", "--data", str(path), "SELECT * WHERE { ?s ?p ?o }"],
            ["load", "--store", str(tmp / "store"), str(path)]]


def test_jsonld_contexts_are_never_fetched_nor_read(tmp_path: Path, listener: Listener) -> None:
    secret = tmp_path / "ctx.jsonld"
    secret.write_text('{"@context": {"name": "https://leak.example/name"}}')
    remote = tmp_path / "remote.jsonld"
    remote.write_text('{"@context": "http://127.0.0.1:%d/ctx.jsonld", "@id": "https://e.org/s",'
                      ' "name": "x"}' % listener.port)
    local = tmp_path / "local.jsonld"
    local.write_text('{"@context": ["%s"], "@id": "https://e.org/s", "name": "x"}'
                     % secret.as_uri())
    relative = tmp_path / "relative.jsonld"
    relative.write_text('{"@context": {"@import": "ctx.jsonld"}, "@id": "https://e.org/s",'
                        ' "name": "x"}')
    for doc in (remote, local, relative):
        for args in commands(doc, tmp_path):
            res = kgtool(args, cwd=ROOT)
            assert res.returncode == 4, (args, res.returncode, res.stdout, res.stderr)
            assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
            assert "leak.example" not in res.stdout + res.stderr
    assert listener.connections == 0
    assert not (tmp_path / "store").exists()


def test_inline_context_is_fine(tmp_path: Path) -> None:
    doc = tmp_path / "inline.jsonld"
    doc.write_text('{"@context": {"name": "https://e.org/name"}, "@id": "https://e.org/s",'
                   ' "name": "x"}')
    res = kgtool(["export", "--data", str(doc), "--format", "nt"], cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert '<https://e.org/s> <https://e.org/name> "x" .' in res.stdout


@pytest.mark.parametrize("suffix", [".ttl", ".nt"])
def test_byte_order_mark_is_accepted_by_every_reader(tmp_path: Path, suffix: str) -> None:
    doc = tmp_path / f"bom{suffix}"
    doc.write_bytes(b"\xef\xbb\xbf<https://e.org/s> <https://e.org/p> \"v\" .\n")
    for args in commands(doc, tmp_path)[1:]:
        res = kgtool(args, cwd=ROOT)
        assert res.returncode == 0, (args, res.stderr)
        if args[0] != "load":
            assert "https://e.org/s" in res.stdout, args


def test_byte_order_mark_in_jsonld(tmp_path: Path) -> None:
    doc = tmp_path / "bom.jsonld"
    doc.write_bytes(b'\xef\xbb\xbf{"@id": "https://e.org/s", "https://e.org/p": "v"}')
    for args in commands(doc, tmp_path)[1:3]:
        res = kgtool(args, cwd=ROOT)
        assert res.returncode == 0, (args, res.stderr)
        assert "https://e.org/s" in res.stdout


def test_over_long_line_is_refused_in_one_line(tmp_path: Path) -> None:
    """A 30 MB literal against a 1 MB limit (KGTOOL_MAX_LINE_BYTES): exit 3, never 70."""
    doc = tmp_path / "huge.nt"
    with doc.open("wb") as fh:
        fh.write(b'<https://e.org/s> <https://e.org/p> <https://e.org/o> .\n')
        fh.write(b'<https://e.org/s> <https://e.org/p> "' + b"x" * (30 << 20) + b'" .\n')
    env = {"KGTOOL_MAX_LINE_BYTES": str(1 << 20)}
    for args in commands(doc, tmp_path):
        res = kgtool(args, cwd=ROOT, env=env)
        assert res.returncode == 3, (args, res.returncode, res.stderr[-300:])
        assert res.stderr == (f"error: {doc}:2:1: line of {(30 << 20) + 40} bytes is longer than "
                              f"the limit of {1 << 20} bytes (set $KGTOOL_MAX_LINE_BYTES to "
                              "raise it)\n"), (args, res.stderr)


class ContextServer:
    """A loopback HTTP server serving one JSON-LD context; records every path requested."""

    def __init__(self) -> None:
        import http.server

        paths = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                paths.append(self.path)
                body = b'{"@context": {"name": "https://e.org/name"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def context_server():
    srv = ContextServer()
    yield srv
    srv.close()


NO_PROXY = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
            "http_proxy": "", "HTTP_PROXY": "", "https_proxy": "", "HTTPS_PROXY": ""}


def test_allow_remote_context_fetches_and_applies_it(tmp_path: Path,
                                                     context_server: ContextServer) -> None:
    """--allow-remote-context really allows it: the context is fetched and its terms used, on
    the commands that build rdflib graphs (validate, export) and the pyoxigraph ones (query,
    describe, load)."""
    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "http://127.0.0.1:%d/ctx.jsonld", "@id": "https://e.org/s",'
                   ' "name": "x"}' % context_server.port)
    flag = "--allow-remote-context"
    res = kgtool(["export", "--data", str(doc), "--format", "nt", flag], cwd=ROOT, env=NO_PROXY)
    assert res.returncode == 0, res.stderr
    assert '<https://e.org/s> <https://e.org/name> "x" .' in res.stdout
    res = kgtool(["query", "--data", str(doc), flag, "--format", "tsv",
                  "SELECT ?o WHERE { <https://e.org/s> <https://e.org/name> ?o }"],
                 cwd=ROOT, env=NO_PROXY)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[1] == '"x"', res.stdout
    res = kgtool(["validate", str(doc), flag], cwd=ROOT, env=NO_PROXY)
    assert res.returncode == 0, (res.stdout, res.stderr)
    res = kgtool(["load", "--store", str(tmp_path / "store"), str(doc), flag], cwd=ROOT,
                 env=NO_PROXY)
    assert res.returncode == 0, res.stderr
    assert "loaded 1 triples" in res.stderr, res.stderr
    assert context_server.paths == ["/ctx.jsonld"] * 4
    for args in commands(doc, tmp_path / "refused"):   # the same commands without the flag
        res = kgtool(args, cwd=ROOT, env=NO_PROXY)
        assert res.returncode == 4, (args, res.stderr)
        assert "--allow-remote-context" in res.stderr, res.stderr
    assert len(context_server.paths) == 4


@pytest.mark.parametrize("command", ["dump", "publish"])
def test_dump_and_publish_take_the_flag(tmp_path: Path, context_server: ContextServer,
                                        command: str) -> None:
    """`dump --data` and `publish --data` refuse a named context (exit 4, nothing fetched) and
    fetch it once with --allow-remote-context."""
    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "http://127.0.0.1:%d/ctx.jsonld", "@id": "https://e.org/s",'
                   ' "name": "x"}' % context_server.port)
    res = kgtool([command, str(tmp_path / "refused"), "--data", str(doc)], cwd=ROOT, env=NO_PROXY)
    assert res.returncode == 4 and "--allow-remote-context" in res.stderr, res.stderr
    assert context_server.paths == [] and not (tmp_path / "refused").exists()
    res = kgtool([command, str(tmp_path / "allowed"), "--data", str(doc),
                  "--allow-remote-context"], cwd=ROOT, env=NO_PROXY)
    assert res.returncode == 0, res.stderr
    assert context_server.paths == ["/ctx.jsonld"]


def test_allow_remote_context_in_the_api_is_scoped(tmp_path: Path,
                                                   context_server: ContextServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The permission lasts for one call: the next call without it is refused again."""
    from kgtool import api
    from kgtool.errors import PolicyError

    for key, value in NO_PROXY.items():
        monkeypatch.setenv(key, value)
    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "http://127.0.0.1:%d/c", "@id": "https://e.org/s",'
                   ' "name": "x"}' % context_server.port)
    ds = api.Dataset.from_files(doc, allow_remote_context=True)
    assert len(ds.query("SELECT * WHERE { ?s <https://e.org/name> ?o }")) == 1
    with pytest.raises(PolicyError):
        len(api.Dataset.from_files(doc).query("SELECT * WHERE { ?s ?p ?o }"))
    assert context_server.paths == ["/c"]


def test_damaged_division_cache_is_one_line_exit_3(tmp_path: Path) -> None:
    """The linker's own reader of the divisions cache runs the input checks too (#14.7)."""
    from kgtool.errors import InputError
    from kgtool.reference import divisions

    iri = divisions.division_iri("310117")
    good = (f'<{iri}> <http://www.w3.org/2004/02/skos/core#notation> "310117" .\n'
            f'<{iri}> <http://www.w3.org/2004/02/skos/core#prefLabel> "松江区" .\n').encode()
    nt = tmp_path / "divisions.nt"
    nt.write_bytes(b"\xef\xbb\xbf" + good)             # a byte-order mark is not content
    assert list(divisions.records_from_graph(nt)) == [("310117", "松江区", None)]
    nt.write_bytes(good + b'<a> <b> "' + b"x" * 600 + b'" .\n')
    os.environ["KGTOOL_MAX_LINE_BYTES"] = "500"
    try:
        with pytest.raises(InputError, match=r"divisions\.nt:3:1: line of 6\d\d bytes"):
            list(divisions.records_from_graph(nt))
    finally:
        del os.environ["KGTOOL_MAX_LINE_BYTES"]
    sidecar = divisions.index_path(nt)
    sidecar.write_text("310117\n", encoding="utf-8")   # newer than the graph: it is read
    with pytest.raises(InputError, match=r"divisions\.index\.tsv:1:1: damaged index line"):
        list(divisions.records_from_graph(nt))
    sidecar.unlink()
    cache = tmp_path / "cache"
    (cache / "reference").mkdir(parents=True)
    for name in ("code-history.nt", "industry.nt", "wikidata.nt"):
        (cache / "reference" / name).write_bytes(good)
    (cache / "reference" / "divisions.nt").write_bytes(good + b"<bad\n")
    res = kgtool(["link", "--project", str(ROOT), "--output-dir", str(tmp_path / "out")],
                 cwd=tmp_path, env={"KGTOOL_CACHE": str(cache)})
    assert res.returncode == 3, res.stderr
    assert res.stderr.count("\n") == 1 and "divisions.nt:3:1: cannot parse RDF" in res.stderr, \
        res.stderr
    assert not (tmp_path / "out").exists()


def test_serve_data_takes_the_flag_and_refuses_without(tmp_path: Path,
                                                      context_server: ContextServer) -> None:
    """serve --data: the workers load the context with the flag; without it, exit 4 at start."""
    import urllib.parse
    import urllib.request

    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "http://127.0.0.1:%d/ctx.jsonld", "@id": "https://e.org/s",'
                   ' "name": "x"}' % context_server.port)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    args = [sys.executable, "-m", "kgtool", "serve", "--data", str(doc), "--port", str(port),
            "--workers", "1", "--no-pages", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **NO_PROXY}
    proc = subprocess.Popen([*args, "--allow-remote-context"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, text=True)
    query = urllib.parse.urlencode({"query": "SELECT ?o { ?s <https://e.org/name> ?o }"})
    body = b""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
    try:
        for _ in range(120):
            if proc.poll() is not None:
                break
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/sparql?{query}",
                                             headers={"Accept": "text/csv"})
                with opener.open(req, timeout=5) as resp:
                    body = resp.read()
                break
            except OSError:
                threading.Event().wait(0.25)
    finally:
        proc.terminate()
        proc.wait(20)
    assert body == b"o\r\nx\r\n", (body, proc.stderr.read() if proc.stderr else "")
    assert context_server.paths == ["/ctx.jsonld"]
    res = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 4 and "--allow-remote-context" in res.stderr, res.stderr
    assert context_server.paths == ["/ctx.jsonld"]


def test_allowed_file_context_on_the_pyoxigraph_reader(tmp_path: Path) -> None:
    """The reader push uses (oxreader.parse): a relative context file is read only when allowed."""
    import pyoxigraph as ox

    from kgtool import inputcheck, oxreader
    from kgtool.errors import PolicyError

    (tmp_path / "ctx.jsonld").write_text('{"@context": {"name": "https://e.org/name"}}')
    doc = tmp_path / "doc.jsonld"
    doc.write_text('{"@context": "ctx.jsonld", "@id": "https://e.org/s", "name": "x"}')
    base = doc.resolve().as_uri()
    with pytest.raises(PolicyError):
        oxreader.parse(oxreader.read_bytes(doc), ox.RdfFormat.JSON_LD, str(doc), base_iri=base)
    with inputcheck.remote_contexts(True):
        quads = oxreader.parse(oxreader.read_bytes(doc), ox.RdfFormat.JSON_LD, str(doc),
                               base_iri=base)
    assert [(q.subject.value, q.predicate.value, q.object.value) for q in quads] == \
        [("https://e.org/s", "https://e.org/name", "x")]
    assert not inputcheck.remote_contexts_allowed()   # the permission ended with the block
