"""`kgtool push`: send the graph to a remote triple store with the W3C protocols only.

Why the Graph Store Protocol first: a PUT of one named graph per source replaces that graph, so
pushing twice leaves the same state (idempotent) and a failed push can simply be retried. Where a
store has no GSP, SPARQL Update does the same in bounded batches: `DROP SILENT GRAPH`, then
`INSERT DATA` of at most `batch` triples per request (Virtuoso fails above ~1,200 per request),
with blank nodes skolemized to stable IRIs (`INSERT DATA` refuses blank nodes on Virtuoso, and
rdflib's update store refuses them client-side). Afterwards the triples of each graph are counted
on the endpoint and compared with what was sent.

Vendors differ only in URL layout (and auth, handled by kgtool.remote), so they are a table, not
code paths: see `VENDORS`. The body is N-Triples built from the parsed source, with language tags
as written (`@zh-Hans`, which pyoxigraph's parser would lower-case) and lexical forms untouched.
"""
from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kgtool.errors import InputError, RemoteError, UsageError
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
    """One graph to push: its IRI and its triples as N-Triples lines (distinct)."""

    def __init__(self, graph: str, lines: list[str], origin: str) -> None:
        self.graph, self.lines, self.origin = graph, lines, origin

    @property
    def triples(self) -> int:
        return len(self.lines)

    def body(self) -> bytes:
        return "".join(self.lines).encode("utf-8")


def _nt_lines(triples: Iterable[Any], lang: Any, skolem: str | None = None) -> list[str]:
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

    seen: dict[str, None] = {}
    for t in triples:
        seen[f"{term(t.subject)} {term(t.predicate)} {term(t.object)} .\n"] = None
    return list(seen)


def file_triples(path: str, fmt: str | None = None) -> tuple[list[Any], Any]:
    """The triples of an RDF file (lexical forms as written) and a LangCase for its tags."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import output  # noqa: PLC0415
    from kgtool.store import rdf_format  # noqa: PLC0415

    f = rdf_format(path, fmt)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=path) from None
    if f == ox.RdfFormat.RDF_XML and b"<!doctype" in data.lower():
        from kgtool.errors import PolicyError  # noqa: PLC0415

        raise PolicyError("DOCTYPE declarations are refused in RDF/XML input (entity expansion)",
                          source=path)
    lang = output.LangCase()
    lang.add_from_text(data.decode("utf-8", "replace"))
    try:
        quads = list(ox.parse(data, format=f, base_iri=Path(path).resolve().as_uri()))
    except SyntaxError as exc:
        raise InputError(f"cannot parse RDF: {' '.join(str(exc).split())}", source=path) from None
    if f.supports_datasets:
        raise UsageError(f"{path}: push sends triple files (one graph each); load TriG/N-Quads "
                         "into a store and push with --store", source=path)
    return [q.triple for q in quads], lang


def sources_from_files(paths: Sequence[str], graph: str | None, skolemize: bool) -> list[Source]:
    """One Source per file. Graph IRIs: `graph` (only for a single file), else the facts graph for
    the built graph, else `https://w3id.org/kgtool/graph/file/<file name>`."""
    if graph and len(paths) > 1:
        raise UsageError("--graph names one graph; with several files each goes to its own "
                         "graph (omit --graph)", source="--graph")
    out = []
    for p in paths:
        if graph:
            iri = graph
        elif Path(p).name == "songjiang.ttl":
            iri = FACTS_GRAPH
        else:
            iri = "https://w3id.org/kgtool/graph/file/" + urllib.parse.quote(Path(p).name)
        triples, lang = file_triples(p)
        out.append(Source(iri, _nt_lines(triples, lang, iri if skolemize else None), p))
    return out


def sources_from_store(directory: str, graph: str | None, skolemize: bool) -> list[Source]:
    """One Source per named graph of a store (the default graph needs --graph)."""
    from kgtool import store as kstore  # noqa: PLC0415

    lang = kstore.lang_case(Path(directory))
    out = []
    for g, _ in kstore.graphs(directory):
        iri = g or graph
        if not iri:
            raise UsageError("the store's default graph holds triples: name its remote graph "
                             "with --graph", source="--graph")
        triples = [q.triple for q in kstore.quads(directory, g or None)
                   if g or type(q.graph_name).__name__ == "DefaultGraph"]
        out.append(Source(iri, _nt_lines(triples, lang, iri if skolemize else None),
                          f"{directory} <{g or 'default'}>"))
    return out


# ------------------------------------------------------------------------ the protocols

def put_graph(client: Client, target: Target, src: Source) -> int:
    """Graph Store Protocol PUT (replace); returns the HTTP status."""
    resp = client.request("PUT", target.graph_url(src.graph), src.body(),
                          {"Content-Type": "application/n-triples; charset=utf-8"},
                          ok=(200, 201, 204))
    return resp.status


def update_graph(client: Client, target: Target, src: Source, batch: int) -> int:
    """SPARQL Update: drop the graph, then INSERT DATA in batches; returns the request count."""
    def post(text: str) -> None:
        client.request("POST", target.update, text.encode("utf-8"),
                       {"Content-Type": "application/sparql-update; charset=utf-8"},
                       ok=(200, 201, 204))

    for dt in target.update_refuses:
        if any(f"^^<{dt}>" in line for line in src.lines):
            raise UsageError(f"{target.vendor} cannot take <{dt}> literals through SPARQL Update "
                             f"(found in {src.origin}); push with --method gsp", source="--method")
    post(f"DROP SILENT GRAPH <{src.graph}>")
    n = 1
    for i in range(0, len(src.lines), batch):
        chunk = "".join(src.lines[i:i + batch])
        post(f"INSERT DATA {{ GRAPH <{src.graph}> {{\n{chunk}}} }}")
        n += 1
    return n


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


def push(sources: Sequence[Source], target: Target, *, method: str = "auto", batch: int = 500,
         verify: bool = True, timeout: float = 60.0, auth: Auth | None = None,
         log: Callable[[str], None] | None = None) -> PushReport:
    """Push each source to its graph by GSP (or Update), then count. RemoteError on failure."""
    if method not in ("auto", "gsp", "update"):
        raise UsageError(f"--method {method}: expected auto, gsp or update", source="--method")
    if batch < 1:
        raise UsageError("--batch must be at least 1", source="--batch")
    auth = auth if auth is not None else Auth.from_env(target.query)
    client = Client(auth, timeout, log)
    report = PushReport()
    use = method
    for src in sources:
        how = use
        if how in ("auto", "gsp"):
            try:
                put_graph(client, target, src)
                how = "gsp"
            except RemoteError as exc:
                # No GSP here (404/405/501, or a store that does not parse the body type):
                # fall back to SPARQL Update, with blank nodes skolemized.
                if use == "gsp" or not any(f"HTTP {c}" in str(exc) for c in (404, 405, 415, 501)):
                    raise
                how = "update"
        if how == "update":
            if any("_:" in line for line in src.lines):
                src = Source(src.graph, _reskolemize(src.lines, src.graph), src.origin)
            update_graph(client, target, src, batch)
        use = "update" if how == "update" and method == "auto" else use
        counted = count_graph(target, src.graph, auth, timeout, log) if verify else -1
        if verify and counted != src.triples:
            raise RemoteError(f"verification failed for <{src.graph}>: sent {src.triples} "
                              f"triples, the endpoint holds {counted}")
        report.rows.append((src.graph, src.triples, counted, how))
    return report


def _reskolemize(lines: list[str], graph: str) -> list[str]:
    """Skolemize blank nodes in ready N-Triples lines (for the Update fallback)."""
    import re  # noqa: PLC0415

    prefix = GENID + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12] + "-"
    names: dict[str, str] = {}

    def sub(m: Any) -> str:
        return "<" + names.setdefault(m.group(1), prefix + str(len(names) + 1)) + ">"

    # Blank node labels only occur outside literals in subject/object position: split off the
    # literal part of each line so a "_:x" inside a string is left alone.
    out = []
    for line in lines:
        head, quote, rest = line.partition('"')
        out.append(re.sub(r"_:([A-Za-z0-9_\-.]+)", sub, head) + quote + rest
                   if quote else re.sub(r"_:([A-Za-z0-9_\-.]+)", sub, line))
    return list(dict.fromkeys(out))


__all__ = ["VENDORS", "Layout", "Target", "Source", "push", "sources_from_files",
           "sources_from_store", "delete_graph", "count_graph", "FACTS_GRAPH"]
