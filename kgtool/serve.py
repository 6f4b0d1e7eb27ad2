"""`kgtool serve`: a read-only SPARQL 1.1 Protocol endpoint over the built graph, files or a store.

Why this shape:
- stdlib `ThreadingHTTPServer`, no web framework: the endpoint has a handful of routes and every
  extra dependency is one more thing to audit on a server.
- Queries run in a pool of worker *processes*, never in the HTTP threads: pyoxigraph cannot be
  interrupted from Python, so the only way to honour a per-query timeout is to kill the process
  running it (and start a fresh one). It also keeps a runaway query's memory out of the server
  process, so the server's RSS stays flat under load.
- The same refusals as `kgtool query` (kgtool.sparql_policy via kgtool.query.prepare): updates,
  LOAD, SERVICE and FROM are refused (403) before a worker is involved; syntax errors are 400 with
  the same `SOURCE:LINE:COL` text and caret, as text/plain.
- Safe defaults (research/anchors.md, hazard 16): bound to 127.0.0.1, no CORS (`--cors` turns on
  `Access-Control-Allow-Origin: *` and answers OPTIONS preflights), no update, a
  request body cap (413), a slow-client timeout (408 or the connection is dropped), a row cap whose
  truncation is visible (`X-Kgtool-Truncated` header, and a note on the HTML page), a cap on
  concurrent connections (503 when exceeded).

Routes: `/sparql` (the endpoint; a GET without `query` returns the service description, or the
HTML page to a browser) and `/` (a small HTML page to type a query and see a table).
"""
from __future__ import annotations

import io
import json
import os
import pickle
import queue
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kgtool.dataset import UNION_GRAPH  # names only: the dataset model
from kgtool import serve_limits
from kgtool.errors import InputError, KgtoolError, PolicyError, UsageError

WORKER_ENV = "KGTOOL_SERVE_WORKER"
SELECT_TYPES: list[tuple[str, str]] = [
    ("application/sparql-results+json", "json"), ("application/json", "json"),
    ("application/sparql-results+xml", "xml"), ("application/xml", "xml"), ("text/xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv")]
GRAPH_TYPES: list[tuple[str, str]] = [
    ("text/turtle", "turtle"), ("application/x-turtle", "turtle"),
    ("application/n-triples", "nt"), ("text/plain", "nt"), ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"), ("application/rdf+xml", "rdfxml")]
CONTENT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
                 "nt": "application/n-triples", "jsonld": "application/ld+json",
                 "rdfxml": "application/rdf+xml"}
FORMAT_ALIASES = {"srj": "json", "srx": "xml", "ttl": "turtle", "ntriples": "nt",
                  "json-ld": "jsonld", "rdf": "rdfxml", "xml-rdf": "rdfxml"}
SD_NS = "http://www.w3.org/ns/sparql-service-description#"
DEFAULT_PORT = 8642  # no common triple store's port (Virtuoso 8890, Fuseki 3030, GraphDB 7200)


class ServeConfig:
    """Everything the server and its workers need; plain data so workers get it as JSON."""

    def __init__(self, *, data: Sequence[str] = (), store: str | None = None, host: str = "127.0.0.1",
                 port: int = DEFAULT_PORT, timeout: float = 30.0, row_cap: int = 10000, workers: int = 2,
                 max_body: int = 1 << 20, client_timeout: float = 10.0, max_connections: int = 64,
                 allow_from: bool = False, quiet: bool = False, web: bool = True, cors: bool = False,
                 base: str = "https://w3id.org/kgtool/", project: str | None = None,
                 allowed_hosts: Sequence[str] = (), max_per_client: int = 32,
                 allow_remote_context: bool = False) -> None:
        self.data, self.store, self.host, self.port = list(data), store, host, port
        self.timeout, self.row_cap, self.workers, self.max_body = timeout, row_cap, workers, max_body
        self.client_timeout, self.max_connections = client_timeout, max_connections
        self.allow_from, self.quiet, self.cors = allow_from, quiet, cors
        self.web, self.base, self.project = web, base, project  # kgtool.web pages (docs/web.md)
        # kgtool.serve_limits: Host names answered besides the bound one and loopback, and the
        # connections one client address may hold.
        self.allowed_hosts, self.max_per_client = list(allowed_hosts), max_per_client
        self.allow_remote_context = allow_remote_context  # JSON-LD @context documents of --data

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


# ------------------------------------------------------------------------ framing

def _send(fh: Any, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(struct.pack(">I", len(data)) + data)
    fh.flush()


def _recv_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(fd: int, deadline: float | None = None) -> Any:
    (n,) = struct.unpack(">I", _recv_exact(fd, 4, deadline))
    return pickle.loads(_recv_exact(fd, n, deadline))


# ------------------------------------------------------------------------ worker process

def _load(cfg: dict[str, Any]) -> tuple[Any, Any, bool]:
    """The data a worker queries: a store (read-only), the given files, or the built graph."""
    if cfg.get("store"):
        from kgtool import store as kstore  # noqa: PLC0415

        return kstore.open_for_query(cfg["store"])
    from kgtool import inputcheck, query as q  # noqa: PLC0415

    with inputcheck.remote_contexts(cfg.get("allow_remote_context", False)):
        return q.load_store([q.DataSource(p) for p in cfg["data"]])


def execute(store: Any, lang: Any, union: bool, req: dict[str, Any], row_cap: int) -> dict[str, Any]:
    """Run one (already policy-checked) query and render it; the worker's whole job.

    Returns {status, ctype, body, truncated, n}; errors become a status and a plain message."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import output  # noqa: PLC0415
    from kgtool.namespaces import PREFIXES  # noqa: PLC0415

    kwargs: dict[str, Any] = {"prefixes": PREFIXES}
    defaults = list(req.get("default_graphs") or [])
    if defaults == [UNION_GRAPH] and not store.contains_named_graph(ox.NamedNode(UNION_GRAPH)):
        defaults = []  # in-memory data: the default graph is the union (kgtool.dataset)
    if defaults:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in defaults]
    else:
        kwargs["use_default_graph_as_union"] = union
    if req.get("named_graphs"):
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in req["named_graphs"]]
    fmt = req["fmt"]
    from kgtool import query as q  # noqa: PLC0415

    try:
        # The full parse (with the contained try for big queries) happens here, in the worker.
        info = q.prepare(q.QueryText(req["query"], "<query>"), allow_from=True)
    except PolicyError as exc:
        return {"status": 403, "message": str(exc)}
    except KgtoolError as exc:
        return {"status": 400, "message": str(exc)}
    try:
        result = store.query(req["query"], **kwargs)
        out = io.StringIO()
        truncated, n = False, 0
        if isinstance(result, ox.QueryBoolean):
            output.write_ask(out, fmt, bool(result))
        elif isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            order = q.select_order(info, variables)  # SELECT *: as `kgtool query` orders them
            rows, flag = output.limited(([s[i] for i in order] for s in result), row_cap)
            n = output.write_select(out, fmt, [variables[i] for i in order], rows, lang,
                                    output.Prefixes())
            truncated = flag[0]
        else:
            triples, flag = output.limited(result, row_cap)
            if fmt == "rdfxml":
                ts = list(triples)
                n = len(ts)
                body = rdf_xml(ts, lang)
                return {"status": 200, "fmt": fmt, "body": body, "truncated": flag[0], "n": n}
            n = output.write_graph(out, fmt, triples, lang, output.Prefixes())
            truncated = flag[0]
        return {"status": 200, "fmt": fmt, "body": out.getvalue().encode("utf-8"),
                "truncated": truncated, "n": n}
    except SyntaxError as exc:
        return {"status": 400, "message": f"syntax error: {' '.join(str(exc).split())}"}
    except (RuntimeError, ValueError, OSError) as exc:
        return {"status": 500, "message": f"query failed: {' '.join(str(exc).split())}"}


_XML_LANG = re.compile(rb'(<[^<>]*\sxml:lang=")([^"]*)(")')


def rdf_xml(triples: list[Any], lang: Any) -> bytes:
    """RDF/XML with the language tags as the data wrote them (`zh-Hans`), like every other format.

    pyoxigraph lowercases tags when it parses, and its writer has no hook, so the `xml:lang`
    attributes of its output get their case back from `lang` (kgtool.output.LangCase). The pattern
    only matches inside a start tag, which literal text cannot open (`<` is escaped there)."""
    import pyoxigraph as ox  # noqa: PLC0415

    body = ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
    assert body is not None  # no output= given: the bytes are returned
    return _XML_LANG.sub(lambda m: m.group(1) + lang(m.group(2).decode("ascii")).encode("ascii")
                         + m.group(3), body)


def worker_main() -> None:
    """Entry point of a worker process: load the data once, then answer framed requests."""
    cfg = json.loads(os.environ[WORKER_ENV])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us, not the terminal's ^C
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints must not corrupt the protocol stream
    try:
        store, lang, union = _load(cfg)
    except KgtoolError as exc:
        _send(proto_out, {"ready": False, "error": str(exc), "exit_code": exc.exit_code})
        return
    _send(proto_out, {"ready": True})
    fd = sys.stdin.fileno()
    while True:
        try:
            req = _recv(fd)
        except EOFError:
            return
        _send(proto_out, execute(store, lang, union, req, cfg["row_cap"]))


class Worker:
    """One worker process and its pipes."""

    def __init__(self, cfg: ServeConfig) -> None:
        env = {**os.environ, WORKER_ENV: cfg.to_json(),
               "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                              os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from kgtool.serve import worker_main; worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
            start_new_session=True)
        self.fd = self.proc.stdout.fileno()  # type: ignore[union-attr]  # stdout=PIPE: never None

    def wait_ready(self, timeout: float) -> None:
        try:
            msg = _recv(self.fd, time.monotonic() + timeout)
        except (EOFError, TimeoutError):
            self.kill()
            raise InputError("a query worker failed to start (see the messages above)") from None
        if not msg.get("ready"):
            self.kill()
            # The worker's own exit code: a refused JSON-LD context stays a refusal (exit 4).
            error = PolicyError if msg.get("exit_code") == PolicyError.exit_code else InputError
            raise error(msg.get("error", "a query worker failed to start"))

    def ask(self, req: dict[str, Any], deadline: float) -> dict[str, Any]:
        _send(self.proc.stdin, req)
        return _recv(self.fd, deadline)

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fh in (self.proc.stdin, self.proc.stdout):
            try:
                fh.close()  # type: ignore[union-attr]  # both are PIPEs: never None
            except OSError:
                pass


class Busy(Exception):
    """No worker became free in time."""


class Pool:
    """Worker processes; a query that overruns is killed with its worker, which is replaced."""

    def __init__(self, cfg: ServeConfig) -> None:
        self.cfg = cfg
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.all: set[Worker] = set()
        self.lock = threading.Lock()
        self.closed = False

    def start(self, load_timeout: float = 600.0) -> None:
        workers = [Worker(self.cfg) for _ in range(max(1, self.cfg.workers))]
        try:
            for w in workers:
                w.wait_ready(load_timeout)
        except KgtoolError:
            for w in workers:
                w.kill()
            raise
        for w in workers:
            self.all.add(w)
            self.idle.put(w)

    def _replace(self, dead: Worker) -> None:
        dead.kill()
        with self.lock:
            self.all.discard(dead)
            if self.closed:
                return
        try:
            w = Worker(self.cfg)
            w.wait_ready(600.0)
        except KgtoolError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return
        with self.lock:
            if self.closed:
                w.kill()
                return
            self.all.add(w)
        self.idle.put(w)

    def run(self, req: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run `req` on a free worker within `timeout` seconds (waiting for a worker included)."""
        deadline = time.monotonic() + timeout
        try:
            w = self.idle.get(timeout=max(0.01, timeout))
        except queue.Empty:
            raise Busy from None
        try:
            resp = w.ask(req, deadline)
        except TimeoutError:
            threading.Thread(target=self._replace, args=(w,), daemon=True).start()
            raise
        except (EOFError, OSError, pickle.UnpicklingError):
            threading.Thread(target=self._replace, args=(w,), daemon=True).start()
            return {"status": 500, "message": "the query worker died; it is being replaced"}
        self.idle.put(w)
        return resp

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.all)
        for w in workers:
            w.kill()

    def pids(self) -> list[int]:
        with self.lock:
            return [w.proc.pid for w in self.all]


# ------------------------------------------------------------------------ negotiation

def _accept_list(header: str | None) -> list[str]:
    """Media ranges from an Accept header, best first (q, then specificity, then order)."""
    if not header:
        return ["*/*"]
    items = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if not mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        specificity = 0 if mtype == "*/*" else (1 if mtype.endswith("/*") else 2)
        items.append((-q, -specificity, i, mtype))
    return [m for *_, m in sorted(items)]


def negotiate(accept: str | None, form: str | None, explicit: str | None = None) -> str | None:
    """The output format for a query form: `explicit` (the `format`/`output` parameter: a name,
    alias or media type of kgtool.formats) when it names a format this form can be given in,
    else the best match for the Accept header; None when nothing acceptable can be produced
    (406). An unknown or unfitting `explicit` falls back to Accept, because clients such as
    SPARQLWrapper send `format=json` with every query form and mean "as Accept says"."""
    from kgtool import formats  # noqa: PLC0415 - stdlib-only table

    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    table = GRAPH_TYPES if graph_form else SELECT_TYPES
    if explicit:
        named = formats.lookup(explicit, kind=formats.RDF if graph_form else formats.RESULTS)
        if named is not None and named.name in {f for _, f in table}:
            return named.name
    for mtype in _accept_list(accept):
        if mtype == "*/*":
            return "turtle" if graph_form else "json"
        for known, fmt in table:
            if mtype == known or (mtype.endswith("/*") and known.startswith(mtype[:-1])):
                return fmt
    return None


# ------------------------------------------------------------------------ HTTP

class EndpointServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a cap on concurrent connections and a worker pool."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, cfg: ServeConfig, pool: Pool) -> None:
        self.cfg, self.pool = cfg, pool
        self.graph_names: list[str] = []
        super().__init__((cfg.host, cfg.port), Handler)
        self.guard = serve_limits.ConnectionGuard(
            max_connections=cfg.max_connections, max_per_client=cfg.max_per_client,
            request_timeout=cfg.client_timeout)
        self.allowed_hosts = serve_limits.allowed_hosts(cfg.host, self.server_port,
                                                        cfg.allowed_hosts)

    def server_close(self) -> None:
        super().server_close()
        self.guard.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.guard.admit(request, str(client_address[0])):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
                                b"charset=utf-8\r\nContent-Length: 36\r\nConnection: close\r\n\r\n"
                                b"error: too many connections; retry\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.guard.release(request)


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Handler(BaseHTTPRequestHandler):
    """The SPARQL 1.1 Protocol, query operation only."""

    server: EndpointServer
    protocol_version = "HTTP/1.1"
    server_version = "kgtool-serve"
    sys_version = ""
    # Errors found by http.server itself (bad request line, oversized headers): a status line
    # (never an HTTP/0.9 bare body) and a plain one-line text like ours.
    default_request_version = "HTTP/1.1"
    error_message_format = "error: %(code)d %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"

    def setup(self) -> None:
        # per read; the whole request: serve_limits. (typeshed types `timeout` as a ClassVar,
        # but StreamRequestHandler reads it from the instance, so a per-server value works.)
        self.timeout = self.server.cfg.client_timeout  # type: ignore[misc]
        super().setup()

    def finish(self) -> None:
        super().finish()
        if getattr(self, "_unread_body", False):
            serve_limits.linger(self.connection)   # so the client reads our 413, not a reset

    def handle_one_request(self) -> None:
        self.server.guard.reading(self.connection)  # the deadline covers the whole request
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if not self.server.cfg.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # --- responses
    def _reply(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        if self.server.cfg.cors:  # read-only public data, no credentials: any origin may read it
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", "X-Kgtool-Truncated, Warning")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        text = message if message.startswith("error:") else f"error: {message}"
        self._reply(status, (text.rstrip("\n") + "\n").encode("utf-8"),
                    "text/plain; charset=utf-8", headers)

    def _guard(self, func: Any) -> None:
        try:
            problem = serve_limits.header_problem(self.headers, self.server.allowed_hosts,
                                                  self.request_version)
            if problem:
                self.close_connection = True
                raise HttpError(*problem)
            if self.command != "POST":
                self.server.guard.working(self.connection)  # no body: the request is read
            func()
        except HttpError as exc:
            self._error(exc.status, exc.message, exc.headers)
        except (ConnectionError, socket.timeout):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - the server must stay up
            self.close_connection = True
            self._error(500, f"internal error: {type(exc).__name__}: {exc}")

    # --- methods
    def do_GET(self) -> None:
        self._guard(self._get)

    def do_HEAD(self) -> None:
        self._guard(self._get)

    def do_POST(self) -> None:
        self._guard(self._post)

    def _not_allowed(self) -> None:
        self.close_connection = True  # the body (if any) is not read
        self._error(405, f"{self.command} is not allowed: this endpoint is read-only "
                         "(SPARQL 1.1 Protocol query operation: GET or POST)",
                    {"Allow": "GET, HEAD, POST"})

    do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815 - http.server calls do_<METHOD>

    def do_OPTIONS(self) -> None:
        """A CORS preflight (`--cors` only; otherwise 405 like every other unsupported method)."""
        if not self.server.cfg.cors:
            self._not_allowed()
            return
        self._guard(self._options)

    def _options(self) -> None:
        self._route()
        self._reply(204, b"", "text/plain; charset=utf-8", {
            "Allow": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Accept, Content-Type",
            "Access-Control-Max-Age": "600"})

    def _route(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        if parts.path not in ("/", "/sparql"):
            raise HttpError(404, f"no such resource {parts.path!r}; the endpoint is /sparql")
        try:
            params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False,
                              encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise HttpError(400, "the query string is not UTF-8") from None
        return parts.path, params

    def _get(self) -> None:
        web = getattr(self.server, "web", None)
        if web is not None and urlsplit(self.path).path != "/sparql":
            web.handle(self)  # Linked Data pages, kgtool/web/server.py
            return
        path, params = self._route()
        if path == "/" and "query" not in params:
            self._reply(200, _HTML_PAGE.encode("utf-8"), "text/html; charset=utf-8",
                        {"Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
                                                    "style-src 'unsafe-inline'; connect-src 'self'"})
            return
        if "update" in params:
            raise HttpError(403, "update refused: this endpoint is read-only")
        if "query" not in params:
            accept = _accept_list(self.headers.get("Accept"))
            if accept and accept[0] in ("text/html", "application/xhtml+xml"):
                self._reply(303, b"", "text/plain", {"Location": "/", "Vary": "Accept"})
                return
            self._service_description(params)
            return
        self._query(params)

    def _post(self) -> None:
        _, params = self._route()
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HttpError(411, "send a Content-Length (chunked bodies are not accepted)")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self.close_connection = True
            raise HttpError(411, "a POST needs a Content-Length")
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "bad Content-Length") from None
        if length > self.server.cfg.max_body:
            self.close_connection = True  # do not read (or wait for) an oversized body ...
            self._unread_body = True      # ... but let the client finish sending it (finish())
            raise HttpError(413, f"request body of {length} bytes exceeds the limit of "
                                 f"{self.server.cfg.max_body} bytes")
        try:
            body = self.rfile.read(length)
        except socket.timeout:
            self.close_connection = True
            raise HttpError(408, "timed out reading the request body") from None
        if len(body) < length:
            self.close_connection = True
            if self.server.guard.timed_out(self.connection):
                raise HttpError(408, "timed out reading the request body")
            raise HttpError(400, "incomplete request body")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the request body is not UTF-8") from None
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qs(text, keep_blank_values=True)
            if "update" in form:
                raise HttpError(403, "update refused: this endpoint is read-only")
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
            if "query" not in params:
                raise HttpError(400, "missing the `query` form field")
        elif ctype == "application/sparql-query":
            if "query" in params:
                raise HttpError(400, "give the query either in the body or in the URL, not both")
            params["query"] = [text]
        elif ctype == "application/sparql-update":
            raise HttpError(403, "update refused: this endpoint is read-only")
        else:
            raise HttpError(415, f"unsupported Content-Type {ctype or '(none)'!r}; use "
                                 "application/sparql-query or application/x-www-form-urlencoded")
        self._query(params)

    def _query(self, params: dict[str, list[str]]) -> None:
        self.server.guard.working(self.connection)  # the body is read: a query takes its time
        from kgtool import query as q  # noqa: PLC0415

        queries = params.get("query", [])
        if len(queries) != 1:
            raise HttpError(400, "give exactly one `query` parameter")
        text = q.QueryText(queries[0], "<query>")
        try:
            # Lexer checks only (policy, nesting bound): the engine parses untrusted text in a
            # worker process, whose crash costs a worker, never the server.
            info = q.prepare(text, allow_from=self.server.cfg.allow_from, parse=False)
        except PolicyError as exc:
            raise HttpError(403, str(exc)) from None
        except KgtoolError as exc:
            raise HttpError(400, str(exc)) from None
        explicit = next(iter(params.get("format") or params.get("output") or ()), None)
        fmt = negotiate(self.headers.get("Accept"), info.form, explicit)
        if fmt is None:
            kinds = GRAPH_TYPES if info.form in ("CONSTRUCT", "DESCRIBE") else SELECT_TYPES
            raise HttpError(406, "cannot produce any of the accepted types for a "
                                 f"{info.form or 'query'}; available: "
                                 + ", ".join(dict.fromkeys(t for t, _ in kinds)), {"Vary": "Accept"})
        req = {"query": text.text, "fmt": fmt,
               "default_graphs": params.get("default-graph-uri", []),
               "named_graphs": params.get("named-graph-uri", [])}
        cfg = self.server.cfg
        try:
            resp = self.server.pool.run(req, cfg.timeout)
        except TimeoutError:
            raise HttpError(503, f"query stopped after the server's timeout of {cfg.timeout:g} s",
                            {"Retry-After": "1"}) from None
        except Busy:
            raise HttpError(503, "all query workers are busy; retry", {"Retry-After": "1"}) from None
        if resp["status"] != 200:
            raise HttpError(resp["status"], resp["message"])
        headers = {"Vary": "Accept"}
        if resp["truncated"]:
            headers["X-Kgtool-Truncated"] = f"true; rows={resp['n']}; row-cap={cfg.row_cap}"
            headers["Warning"] = f'199 kgtool "results truncated to {resp["n"]} (row cap)"'
        self._reply(200, resp["body"], CONTENT_TYPES[resp["fmt"]] + "; charset=utf-8", headers)

    def _service_description(self, params: dict[str, list[str]]) -> None:
        import pyoxigraph as ox  # noqa: PLC0415

        from kgtool import output  # noqa: PLC0415

        fmt = negotiate(self.headers.get("Accept"), "CONSTRUCT",
                        next(iter(params.get("format") or ()), None))
        if fmt is None:
            raise HttpError(406, "the service description is RDF: accept text/turtle, "
                                 "application/n-triples, application/ld+json or application/rdf+xml",
                            {"Vary": "Accept"})
        host = self.headers.get("Host") or f"{self.server.cfg.host}:{self.server.server_port}"
        ttl = service_description(f"http://{host}/sparql", self.server.graph_names)
        triples = [qd.triple for qd in ox.parse(ttl.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
        if fmt == "rdfxml":
            body = rdf_xml(triples, output.LangCase())
        else:
            out = io.StringIO()
            output.write_graph(out, fmt, triples, output.LangCase(), output.Prefixes({"sd": SD_NS}))
            body = out.getvalue().encode("utf-8")
        self._reply(200, body, CONTENT_TYPES[fmt] + "; charset=utf-8", {"Vary": "Accept"})


def service_description(endpoint: str, graph_names: Sequence[str]) -> str:
    """SPARQL 1.1 Service Description of this endpoint, in Turtle."""
    formats = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
               "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
    named = "".join(f" ;\n        sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ]"
                    for g in graph_names)
    return (f"@prefix sd: <{SD_NS}> .\n"
            f"<{endpoint}#service> a sd:Service ;\n"
            f"    sd:endpoint <{endpoint}> ;\n"
            "    sd:supportedLanguage sd:SPARQL11Query ;\n"
            "    sd:feature sd:UnionDefaultGraph ;\n"
            + "".join(f"    sd:resultFormat <http://www.w3.org/ns/formats/{f}> ;\n" for f in formats)
            + f"    sd:defaultDataset [ a sd:Dataset ;\n"
              f"        sd:defaultGraph [ a sd:Graph ]{named} ] .\n")


def _graph_names(cfg: ServeConfig) -> list[str]:
    if cfg.store:
        from kgtool import store as kstore  # noqa: PLC0415

        return [g for g, _ in kstore.graphs(cfg.store) if g]
    return []


def make_server(cfg: ServeConfig) -> EndpointServer:
    """Start the workers and bind the server (not yet serving). Raises KgtoolError."""
    if cfg.store and cfg.data:
        raise UsageError("serve either --store or --data files, not both", source="--store")
    pool = Pool(cfg)
    graph_names = _graph_names(cfg)
    pool.start()
    try:
        server = EndpointServer(cfg, pool)
    except OSError as exc:
        pool.close()
        raise UsageError(f"cannot listen on {cfg.host}:{cfg.port}: {exc.strerror or exc}",
                         source="--port") from None
    server.graph_names = graph_names
    if cfg.web:
        from kgtool.web.server import attach  # noqa: PLC0415

        try:
            attach(server)
        except BaseException:
            server.server_close()
            pool.close()
            raise
    return server


def serve_forever(server: EndpointServer, announce: Any = None) -> None:
    """Serve until SIGINT/SIGTERM; workers are stopped whatever happens."""
    def _term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, _term)
    try:
        if announce:
            announce(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, old)
        server.server_close()
        server.pool.close()


_HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgtool SPARQL</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em}textarea{width:100%;height:12em;font:13px monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
#note{color:#a40}#err{color:#b00;white-space:pre;font-family:monospace}</style></head>
<body><h1>kgtool SPARQL endpoint</h1>
<p>Read-only. Endpoint: <code>/sparql</code> (SPARQL 1.1 Protocol). Prefixes kg:, skos:, prov:, &hellip; are predeclared.</p>
<textarea id="q">SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } LIMIT 20</textarea><br>
<button id="run">Run</button> <span id="note"></span>
<div id="err"></div><div id="out"></div>
<script>
function cell(t){if(!t)return "";if(t.type==="uri")return t.value;
 if(t["xml:lang"])return JSON.stringify(t.value)+"@"+t["xml:lang"];
 if(t.datatype&&!t.datatype.endsWith("#string"))return t.value+" ^^"+t.datatype.split(/[#\\/]/).pop();return t.value;}
document.getElementById("run").onclick=async function(){
 const out=document.getElementById("out"),err=document.getElementById("err"),note=document.getElementById("note");
 out.textContent="";err.textContent="";note.textContent="running...";
 const r=await fetch("/sparql",{method:"POST",headers:{"Content-Type":"application/x-www-form-urlencoded",
   "Accept":"application/sparql-results+json, text/turtle;q=0.5"},
   body:"query="+encodeURIComponent(document.getElementById("q").value)});
 note.textContent="";
 if(!r.ok){err.textContent=r.status+" "+await r.text();return;}
 const tr=r.headers.get("X-Kgtool-Truncated");if(tr)note.textContent="Note: results truncated ("+tr+")";
 if(!(r.headers.get("Content-Type")||"").includes("json")){const p=document.createElement("pre");p.textContent=await r.text();out.appendChild(p);return;}
 const j=await r.json();
 if("boolean" in j){out.textContent=String(j.boolean);return;}
 const t=document.createElement("table"),h=t.insertRow();
 for(const v of j.head.vars){const th=document.createElement("th");th.textContent="?"+v;h.appendChild(th);}
 for(const b of j.results.bindings){const row=t.insertRow();for(const v of j.head.vars){row.insertCell().textContent=cell(b[v]);}}
 out.appendChild(t);const c=document.createElement("p");c.textContent=j.results.bindings.length+" rows";out.appendChild(c);};
</script></body></html>
"""

__all__ = ["ServeConfig", "make_server", "serve_forever", "negotiate", "execute", "Pool",
           "service_description", "worker_main"]
