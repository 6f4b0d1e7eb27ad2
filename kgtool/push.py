"""`kgtool push`: send the graph to a remote triple store with the W3C protocols only, never
leaving half a graph behind.

Why a temporary graph and MOVE: a 450k-triple PUT timed out against Virtuoso after 134 s and left
127,616 triples on the server (issue 12.3). So each graph is uploaded into a temporary graph in
bounded requests -- Graph Store Protocol POSTs of `chunk` triples (appending: sending the same
triples again is harmless, so every request can be retried), or SPARQL Update `INSERT DATA` of
`batch` triples where a store has no GSP (Virtuoso fails above ~1,200 per request) -- then
counted, then moved onto the real graph with one `MOVE` (the store's own transaction), then
counted again. A failure at any step leaves the previous graph intact; the error names the step,
and the same command resumes (the temporary graph is named by the content, see `temp_graph`).
Blank nodes become stable `GENID` IRIs whenever a graph takes more than one request (`INSERT
DATA` refuses them on Virtuoso, and separate requests would split them).

Vendors differ only in URL layout (and auth, handled by kgtool.remote), so they are a table, not
code paths: see `VENDORS`. The body is N-Triples built from the parsed source, with language tags
as written (`@zh-Hans`, which pyoxigraph's parser would lower-case) and lexical forms untouched.
"""
from __future__ import annotations

import functools
import hashlib
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kgtool.errors import RemoteError, UsageError
from kgtool.remote import Auth, Client, check_url, query_endpoint

FACTS_GRAPH = "https://w3id.org/kgtool/graph/facts"   # = kgtool.export.GRAPH_IRIS["facts"]
GENID = "https://w3id.org/kgtool/.well-known/genid/"


class Layout:
    """Where a vendor puts its query, update and Graph Store endpoints, relative to `base`."""

    def __init__(self, query: str, update: str, gsp: str, graph_param: str,
                 auth_gsp: str | None = None, auth_query: str | None = None,
                 strip: str = "", update_refuses: tuple[str, ...] = ()) -> None:
        self.query, self.update, self.gsp, self.graph_param = query, update, gsp, graph_param
        self.auth_gsp, self.auth_query, self.strip = auth_gsp, auth_query, strip
        self.update_refuses = update_refuses  # datatypes the store's Update cannot take


# base = the URL given with --endpoint (trailing `strip` removed).
VENDORS: dict[str, Layout] = {
    # Virtuoso: base http://host:8890 ; Digest-protected variants when credentials are set.
    "virtuoso": Layout("{base}/sparql", "{base}/sparql", "{base}/sparql-graph-crud", "graph-uri",
                       auth_gsp="{base}/sparql-graph-crud-auth", auth_query="{base}/sparql-auth",
                       strip="/sparql",
                       # 7.2: INSERT DATA fails on xsd:duration (SR553), INSERT ... STRDT stores
                       # garbage ("P3Y" becomes "36"); GSP PUT keeps them.
                       update_refuses=("http://www.w3.org/2001/XMLSchema#duration",)),
    # Fuseki: base http://host:3030/DATASET
    "fuseki": Layout("{base}/sparql", "{base}/update", "{base}/data", "graph"),
    # GraphDB / RDF4J: base http://host:7200/repositories/REPO
    "graphdb": Layout("{base}", "{base}/statements", "{base}/rdf-graphs/service", "graph"),
    # Anything else speaking the standards at one URL (Oxigraph server: use --gsp-url .../store).
    "generic": Layout("{base}", "{base}", "{base}", "graph"),
}


class Target:
    """The concrete URLs for one push."""

    def __init__(self, endpoint: str, vendor: str, auth: Auth, *, query_url: str | None = None,
                 update_url: str | None = None, gsp_url: str | None = None) -> None:
        if vendor not in VENDORS:
            raise UsageError(f"unknown vendor {vendor!r}; expected one of {', '.join(VENDORS)}",
                             source="--vendor")
        check_url(endpoint)
        lay = VENDORS[vendor]
        base = endpoint.rstrip("/")
        if lay.strip and base.endswith(lay.strip):
            base = base[: -len(lay.strip)]
        authed = bool(auth.user) and not auth.token
        self.query = query_url or (lay.auth_query if authed and lay.auth_query else lay.query).format(base=base)
        self.update = update_url or (lay.auth_query if authed and lay.auth_query else lay.update).format(base=base)
        self.gsp = gsp_url or (lay.auth_gsp if authed and lay.auth_gsp else lay.gsp).format(base=base)
        for u, what in ((query_url, "--query-url"), (update_url, "--update-url"), (gsp_url, "--gsp-url")):
            if u:
                check_url(u, what)
        self.graph_param = lay.graph_param
        self.vendor = vendor
        self.update_refuses = lay.update_refuses

    def graph_url(self, graph: str) -> str:
        sep = "&" if urllib.parse.urlsplit(self.gsp).query else "?"
        return f"{self.gsp}{sep}{urllib.parse.urlencode({self.graph_param: graph})}"


class Source:
    """One graph to push: its IRI and its triples as N-Triples lines (distinct), kept as UTF-8
    bytes: half the memory of Python strings for lines with Chinese text, and split only at
    line ends (str.splitlines would also split at U+2028 inside a literal)."""

    def __init__(self, graph: str, lines: Sequence[bytes | str], origin: str) -> None:
        self.graph, self.origin = graph, origin
        self.lines: list[bytes] = (
            lines if isinstance(lines, list) and all(isinstance(ln, bytes) for ln in lines)
            else [ln if isinstance(ln, bytes) else ln.encode("utf-8") for ln in lines])

    @property
    def triples(self) -> int:
        return len(self.lines)

    def body(self) -> bytes:
        return b"".join(self.lines)

    def digest(self) -> str:
        """SHA-256 of the lines (names the temporary graph of a push)."""
        h = hashlib.sha256(self.graph.encode("utf-8"))
        for line in self.lines:
            h.update(line)
        return h.hexdigest()


def _nt_lines(triples: Iterable[Any], lang: Any, skolem: str | None = None) -> list[bytes]:
    """Distinct N-Triples lines; blank nodes become `GENID…` IRIs when `skolem` (a graph IRI) is
    given, numbered in order of appearance so the same input gives the same IRIs."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import output  # noqa: PLC0415

    names: dict[str, str] = {}
    prefix = GENID + hashlib.sha256((skolem or "").encode("utf-8")).hexdigest()[:12] + "-"

    def term(t: Any) -> str:
        if skolem is not None and isinstance(t, ox.BlankNode):
            iri = names.setdefault(t.value, prefix + str(len(names) + 1))
            return f"<{iri}>"
        return output.term_nt(t, lang)

    seen: dict[bytes, None] = {}
    for t in triples:
        seen[f"{term(t.subject)} {term(t.predicate)} {term(t.object)} .\n".encode("utf-8")] = None
    return list(seen)


def _read(path: str, fmt: str | None = None) -> tuple[list[Any], Any, Any]:
    """The quads of an RDF file, its pyoxigraph format and a LangCase for its tags, read by the
    one pyoxigraph reader (kgtool.oxreader: the same error lines, DOCTYPE refusal, byte-order
    mark and size limits as every other loader; relative IRIs resolve against the file)."""
    from kgtool import oxreader, output  # noqa: PLC0415

    f = oxreader.rdf_format(path, fmt)
    data = oxreader.read_bytes(path)
    quads = oxreader.parse(data, f, path, base_iri=Path(path).resolve().as_uri())
    lang = output.LangCase()
    lang.add_from_text(data.decode("utf-8", "replace"))
    return quads, f, lang


def file_triples(path: str, fmt: str | None = None) -> tuple[list[Any], Any]:
    """The triples of an RDF file (lexical forms as written) and a LangCase for its tags."""
    quads, f, lang = _read(path, fmt)
    if f.supports_datasets:
        raise UsageError(f"{path}: push sends triple files (one graph each); load TriG/N-Quads "
                         "into a store and push with --store", source=path)
    return [q.triple for q in quads], lang


def dataset_sources(path: str, skolemize: bool) -> list[Source]:
    """A TriG/N-Quads file (the built graph/songjiang.trig): one Source per named graph, plus
    the materialised union `graph/union` (kgtool.dataset), which `kgtool query --endpoint`
    queries as its default graph, so a remote store answers with set semantics too."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool.dataset import UNION_GRAPH  # noqa: PLC0415

    quads, _, lang = _read(path)
    by_graph: dict[str, list[Any]] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            raise UsageError(f"{path}: its default graph holds triples; push it with --graph "
                             "after loading it into a store", source=path)
        by_graph.setdefault(q.graph_name.value, []).append(q.triple)
    by_graph.pop(UNION_GRAPH, None)
    out = [Source(g, _nt_lines(ts, lang, g if skolemize else None), f"{path} <{g}>")
           for g, ts in sorted(by_graph.items())]
    out.append(Source(UNION_GRAPH, _nt_lines([q.triple for q in quads], lang,
                                             UNION_GRAPH if skolemize else None),
                      f"{path} (union)"))
    return out


def sources_from_files(paths: Sequence[str], graph: str | None, skolemize: bool) -> list[Source]:
    """One Source per file. Graph IRIs: `graph` (only for a single file), else the facts graph for
    the built graph, else `https://w3id.org/kgtool/graph/file/<file name>`."""
    if graph and len(paths) > 1:
        raise UsageError("--graph names one graph; with several files each goes to its own "
                         "graph (omit --graph)", source="--graph")
    out = []
    for p in paths:
        if not graph and Path(p).suffix.lower() in (".trig", ".nq"):
            out.extend(dataset_sources(p, skolemize))
            continue
        if graph:
            iri = graph
        elif Path(p).name == "songjiang.ttl":
            iri = FACTS_GRAPH
        else:
            iri = "https://w3id.org/kgtool/graph/file/" + urllib.parse.quote(Path(p).name)
        triples, lang = file_triples(p)
        out.append(Source(iri, _nt_lines(triples, lang, iri if skolemize else None), p))
    return out


def sources_from_store(directory: str, graph: str | None, skolemize: bool) -> Iterator[Source]:
    """One Source per named graph of a store (the default graph needs --graph), plus the
    store's materialised union graph when it has one, made one at a time as the push reaches
    it (so only one graph's lines are in memory). The lines are written by the engine
    (`kgtool.ntstream`, tags restored): a national graph of millions of triples is read at the
    engine's speed, not term by term in Python."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import ntstream  # noqa: PLC0415
    from kgtool import store as kstore  # noqa: PLC0415
    from kgtool.dataset import UNION_GRAPH  # noqa: PLC0415

    st = kstore.open_store(directory, read_only=True)
    restore = ntstream.tag_restorer(kstore.read_meta(Path(directory)).get("langtags", {}))

    def lines_of(g: Any) -> list[bytes]:
        lines: list[bytes] = []
        # Chunks hold whole lines: split one by one, never the whole graph as one string.
        aside = ntstream.dump_graph(st, g, lambda b: lines.extend(b.splitlines(keepends=True)),
                                    restore)
        return lines + [(line + "\n").encode("utf-8") for line in aside]

    names = [g for g, _ in kstore.graphs(directory)]
    if st.contains_named_graph(ox.NamedNode(UNION_GRAPH)):
        # The materialised union: the remote default graph of `query --endpoint`.
        names.append(UNION_GRAPH)
    if "" in names and not graph:
        raise UsageError("the store's default graph holds triples: name its remote graph "
                         "with --graph", source="--graph")

    def each() -> Iterator[Source]:
        for g in names:
            iri = g or graph
            assert iri
            lines = lines_of(ox.NamedNode(g) if g else ox.DefaultGraph())
            if skolemize and any(b"_:" in line for line in lines):
                lines = _reskolemize(lines, iri)
            src = Source(iri, lines, f"{directory} <{g or 'default'}>")
            del lines  # this frame must not hold a graph's lines while the next one is read
            yield src
            del src

    return each()


# ------------------------------------------------------------------------ the protocols

def count_graph(target: Target, graph: str, auth: Auth, timeout: float,
                log: Callable[[str], None] | None) -> int:
    """Triples the endpoint holds in `graph` (the verification step)."""
    res = query_endpoint(target.query, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                         "{ ?s ?p ?o } }", "SELECT", auth=auth, timeout=timeout, log=log)
    rows = list(res)
    try:
        return int(rows[0][0].value)
    except (IndexError, TypeError, ValueError):
        raise RemoteError(f"unexpected answer to the count query on {target.query}") from None


def delete_graph(client: Client, target: Target, graph: str, method: str) -> None:
    """Remove a pushed graph: GSP DELETE (404 = already gone), or DROP SILENT GRAPH."""
    if method in ("gsp", "auto"):
        try:
            client.request("DELETE", target.graph_url(graph), ok=(200, 202, 204, 404))
            return
        except RemoteError:
            if method == "gsp":
                raise
    client.request("POST", target.update, f"DROP SILENT GRAPH <{graph}>".encode("utf-8"),
                   {"Content-Type": "application/sparql-update; charset=utf-8"}, ok=(200, 201, 204))


class PushReport:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int, int, str]] = []  # graph, sent, counted, method


TEMP_BASE = "https://w3id.org/kgtool/.well-known/push/"
CHUNK = 50_000          # triples per Graph Store POST: 450k in one PUT deadlocked Virtuoso
RETRIES = 3
BACKOFF = (0.5, 2.0, 5.0)


class StepFailed(RemoteError):
    """One step of a push failed; the message says which, that the graph is unchanged and how
    to resume. Exit 6 like every remote failure."""

    status: int | None = None  # the HTTP status behind it, when there was one


def temp_graph(src: Source) -> str:
    """The temporary graph a source is uploaded into before it replaces its graph: named by the
    target graph and the content, so a re-run of the same push finds (and resumes) it."""
    g = hashlib.sha256(src.graph.encode("utf-8")).hexdigest()[:12]
    return f"{TEMP_BASE}{g}-{src.digest()[:16]}"


def _retryable(exc: RemoteError) -> bool:
    text = str(exc)
    if "refused" in text:  # nothing listens there: waiting will not help
        return False
    return text.startswith("cannot reach") or any(f"HTTP {c}" in text for c in (500, 502, 503, 504))


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream: Any = None) -> None:
        import sys  # noqa: PLC0415

        self.stream = stream if stream is not None else sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, graph: str, done: int, total: int, step: str) -> None:
        if not self.on:
            return
        width = 30
        frac = done / total if total else 1.0
        bar = "#" * int(frac * width)
        self.stream.write(f"\r[{bar:<{width}}] {frac:4.0%} {done:,}/{total:,} triples  {step:<24.24}")
        if done >= total and step == "done":
            self.stream.write("\n")
        self.stream.flush()


def push(sources: Iterable[Source], target: Target, *, method: str = "auto", batch: int = 500,
         verify: bool = True, timeout: float = 60.0, auth: Auth | None = None,
         log: Callable[[str], None] | None = None, chunk: int = CHUNK, retries: int = RETRIES,
         progress: Callable[[str, int, int, str], None] | None = None,
         sleep: Callable[[float], None] | None = None) -> PushReport:
    """Replace each source's graph on the endpoint without ever leaving half a graph.

    Steps per graph: (1) find or clear its temporary graph (`temp_graph`), (2) upload in
    bounded requests -- Graph Store POSTs of `chunk` triples, or INSERT DATA of `batch` triples
    with the Update method (or where the store has no Graph Store Protocol) -- each retried
    `retries` times on network errors and 5xx answers, (3) count the temporary graph, (4) `MOVE`
    it onto the graph in one update (the store's own transaction), (5) count the graph (unless
    `verify` is off). A failure at any step raises StepFailed naming the step; the graph keeps
    its previous version, and running the same push again resumes from the first chunk the
    temporary graph does not hold yet (POSTing the same triples twice is harmless: a graph is a
    set). `progress(graph, done, total, step)` defaults to a bar on stderr when it is a tty."""
    import time  # noqa: PLC0415

    if method not in ("auto", "gsp", "update"):
        raise UsageError(f"--method {method}: expected auto, gsp or update", source="--method")
    if batch < 1 or chunk < 1:
        raise UsageError("--batch and --chunk must be at least 1", source="--batch")
    auth = auth if auth is not None else Auth.from_env(target.query)
    client = Client(auth, timeout, log)
    report = PushReport()
    show = progress if progress is not None else Progress()
    wait = sleep if sleep is not None else time.sleep
    use = method
    for src in sources:
        how = "update" if use == "update" else "gsp"
        if how == "update":
            _refuse_for_update(target, src)
        size = batch if how == "update" else chunk
        if how == "update" or src.triples > size:
            # Separate requests would split a blank node into several: stable IRIs instead.
            if any(b"_:" in line for line in src.lines):
                src = Source(src.graph, _reskolemize(src.lines, src.graph), src.origin)
        run = _Run(client, target, src, auth, timeout, log, retries, wait, show)
        try:
            run.upload(how, size, run.prepare(size))
        except StepFailed as exc:
            if not (how == "gsp" and use == "auto" and exc.status in (404, 405, 415, 501)):
                raise
            # No Graph Store Protocol here: the same steps by SPARQL Update (blank nodes as IRIs).
            how, size = "update", batch
            if any(b"_:" in line for line in src.lines):
                src = Source(src.graph, _reskolemize(src.lines, src.graph), src.origin)
            _refuse_for_update(target, src)
            run = _Run(client, target, src, auth, timeout, log, retries, wait, show)
            run.upload(how, size, run.prepare(size))
        run.replace()
        counted = run.count_final() if verify else -1
        show(src.graph, src.triples, src.triples, "done")
        use = "update" if how == "update" and method == "auto" else use
        report.rows.append((src.graph, src.triples, counted, how))
        del src, run  # before the next graph is read: one graph's lines in memory at a time
    return report


def _refuse_for_update(target: Target, src: Source) -> None:
    for dt in target.update_refuses:
        if any(f"^^<{dt}>".encode("utf-8") in line for line in src.lines):
            raise UsageError(f"{target.vendor} cannot take <{dt}> literals through SPARQL Update "
                             f"(found in {src.origin}); push with --method gsp", source="--method")


class _Run:
    """The steps of one graph's push (see `push`)."""

    def __init__(self, client: Client, target: Target, src: Source, auth: Auth,
                 timeout: float, log: Callable[[str], None] | None, retries: int,
                 wait: Callable[[float], None],
                 show: Callable[[str, int, int, str], None]) -> None:
        self.client, self.target, self.src, self.tmp = client, target, src, temp_graph(src)
        self.auth, self.timeout, self.log, self.retries = auth, timeout, log, retries
        self.wait, self.show = wait, show

    def fail(self, step: str, exc: Exception, resume: str) -> StepFailed:
        err = StepFailed(f"push of <{self.src.graph}> failed at {step}: {exc}; the graph on the "
                         f"server is unchanged (its previous version is intact); {resume}")
        err.status = getattr(exc, "status", None) or _status_of(str(exc))
        return err

    def attempt(self, step: str, fn: Callable[[], Any], resume: str) -> Any:
        for i in range(self.retries + 1):
            try:
                return fn()
            except RemoteError as exc:
                if _status_of(str(exc)) in (401, 403):
                    raise  # credentials: nothing was changed, and no step can be resumed
                if i >= self.retries or not _retryable(exc):
                    raise self.fail(step, exc, resume) from None
                if self.log:
                    self.log(f"! {step}: {exc}; retry {i + 1} of {self.retries}")
                self.wait(BACKOFF[min(i, len(BACKOFF) - 1)])
        raise AssertionError("unreachable")

    def count(self, graph: str) -> int:
        return count_graph(self.target, graph, self.auth, self.timeout, self.log)

    def update(self, text: str) -> None:
        self.client.request("POST", self.target.update, text.encode("utf-8"),
                            {"Content-Type": "application/sparql-update; charset=utf-8"},
                            ok=(200, 201, 204))

    def prepare(self, size: int) -> int:
        """Step 1: the index of the first request to send: where an earlier interrupted push
        of the same content stopped, else 0 after clearing the temporary graph."""
        again = "run the same command again"
        have = self.attempt("step 1 (checking the temporary graph)",
                            lambda: self.count(self.tmp), again)
        if 0 < have <= self.src.triples:
            return have // size
        if have:
            self.attempt("step 1 (clearing the temporary graph)",
                         lambda: self.update(f"DROP SILENT GRAPH <{self.tmp}>"), again)
        return 0

    def upload(self, how: str, size: int, start: int) -> None:
        """Step 2: the triples in requests of `size`, from request `start` on."""
        lines = self.src.lines
        n = (len(lines) + size - 1) // size
        for i in range(start, n):
            body = b"".join(lines[i * size:(i + 1) * size])
            step = f"step 2 (upload request {i + 1} of {n} into the temporary graph <{self.tmp}>)"
            resume = (f"run the same command again to resume at request {i + 1} of {n}"
                      if i else "run the same command again")
            self.show(self.src.graph, i * size, len(lines), f"upload {i + 1}/{n}")
            # partial, not a lambda: each request's body is bound now, not looked up later
            if how == "gsp":
                self.attempt(step, functools.partial(
                    self.client.request, "POST", self.target.graph_url(self.tmp),
                    body, {"Content-Type": "application/n-triples; charset=utf-8"},
                    ok=(200, 201, 204)), resume)
            else:
                self.attempt(step, functools.partial(
                    self.update, f"INSERT DATA {{ GRAPH <{self.tmp}> {{\n{body.decode('utf-8')}}} }}"),
                    resume)
        self.show(self.src.graph, len(lines), len(lines), "verify")
        got = self.attempt("step 3 (counting the temporary graph)", lambda: self.count(self.tmp),
                           "run the same command again")
        if got != self.src.triples:
            raise self.fail("step 3 (counting the temporary graph)",
                            RemoteError(f"sent {self.src.triples} triples, it holds {got}"),
                            "run the same command again (the temporary graph is rebuilt)")

    def replace(self) -> None:
        """Step 4: MOVE the temporary graph onto the graph, in one update."""
        self.show(self.src.graph, self.src.triples, self.src.triples, "replace")
        self.attempt(f"step 4 (MOVE <{self.tmp}> TO <{self.src.graph}>)",
                     lambda: self.update(f"MOVE SILENT GRAPH <{self.tmp}> TO <{self.src.graph}>"),
                     "run the same command again")

    def count_final(self) -> int:
        """Step 5: the graph holds what was sent."""
        got = self.attempt("step 5 (counting the graph)", lambda: self.count(self.src.graph),
                           "run the same command again")
        if got != self.src.triples:
            raise RemoteError(f"verification failed for <{self.src.graph}>: sent "
                              f"{self.src.triples} triples, the endpoint holds {got}")
        return got


def _status_of(text: str) -> int | None:
    import re  # noqa: PLC0415

    m = re.search(r"HTTP (\d{3})", text)
    return int(m.group(1)) if m else None


def _reskolemize(lines: Sequence[bytes], graph: str) -> list[bytes]:
    """Skolemize blank nodes in ready N-Triples lines (for the Update fallback)."""
    import re  # noqa: PLC0415

    prefix = (GENID + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12] + "-").encode("utf-8")
    names: dict[bytes, bytes] = {}
    label = re.compile(rb"_:([A-Za-z0-9_\-.]+)")

    def sub(m: Any) -> bytes:
        return b"<" + names.setdefault(m.group(1), prefix + str(len(names) + 1).encode()) + b">"

    # Blank node labels only occur outside literals in subject/object position: split off the
    # literal part of each line so a "_:x" inside a string is left alone.
    out = []
    for line in lines:
        head, quote, rest = line.partition(b'"')
        out.append(label.sub(sub, head) + quote + rest if quote else label.sub(sub, line))
    return list(dict.fromkeys(out))


__all__ = ["VENDORS", "Layout", "Target", "Source", "push", "sources_from_files",
           "sources_from_store", "delete_graph", "count_graph", "FACTS_GRAPH"]
