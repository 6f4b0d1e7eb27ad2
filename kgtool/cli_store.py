"""The scale-out commands: `load` (persistent store), `serve` (SPARQL endpoint), `push` (to a
remote triple store) and `remote-query`, a hidden alias of `kgtool query --endpoint` kept for
scripts that used it.

Thin click layers over kgtool.store, kgtool.serve, kgtool.push and kgtool.remote. Credentials are
never options: they come from KGTOOL_ENDPOINT_USER / KGTOOL_ENDPOINT_PASSWORD /
KGTOOL_ENDPOINT_TOKEN or a netrc file (KGTOOL_NETRC, else ~/.netrc).
"""
from __future__ import annotations

import sys
from typing import Any

import click

from kgtool import project as project_mod
from kgtool.cli import allow_remote_context_option, handle_errors, project_option
from kgtool.errors import UsageError
from kgtool.serve import DEFAULT_PORT  # the one default: names and stdlib only

STORE_HELP = "The store folder (default: $KGTOOL_STORE)."
CRED_NOTE = ("Credentials: KGTOOL_ENDPOINT_USER/KGTOOL_ENDPOINT_PASSWORD (Basic or Digest, as "
             "the server asks) or KGTOOL_ENDPOINT_TOKEN (Bearer), or a netrc file "
             "(KGTOOL_NETRC, else ~/.netrc); never flags.")


def _note(line: str) -> None:
    click.echo(line, err=True)


def _log(verbose: bool) -> Any:
    return _note if verbose else None


@click.command("load")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--store", "store_opt", default=None, metavar="DIR", help=STORE_HELP)
@click.option("--graph", default=None, metavar="IRI",
              help="Load every file into this named graph (default: one graph per file, named "
                   "by its file:// IRI).")
@click.option("--default-graph", is_flag=True, help="Load into the default graph instead.")
@click.option("--format", "fmt", default=None, metavar="FMT",
              help="RDF format of the files (default: from the extension): turtle, nt, nq, trig, "
                   "xml, jsonld.")
@click.option("--append", is_flag=True,
              help="Add to a graph instead of replacing it (by default loading a file again "
                   "replaces its graph, so loading twice gives the same store).")
@allow_remote_context_option
@handle_errors
def load_cmd(files: tuple[str, ...], store_opt: str | None, graph: str | None, default_graph: bool,
             fmt: str | None, append: bool, allow_remote_context: bool) -> None:
    """Bulk-load RDF files into a persistent store (created if missing).

    Each file goes into its own named graph unless --graph or --default-graph says otherwise;
    query the store with `kgtool serve --store DIR`. A store keeps values, not their spelling
    (2.60 is stored as 2.6); language-tag case is restored on output.

    \b
    Examples:
      kgtool load --store /data/kg graph/songjiang.ttl
      KGTOOL_STORE=/data/kg kgtool load national/*.nt --graph https://example.org/national
    """
    import os
    import time

    from kgtool import api

    total = sum(os.path.getsize(f) for f in files if os.path.isfile(f))
    bar = None
    if sys.stderr.isatty():
        bar = click.progressbar(length=total, label="loading", file=sys.stderr, show_pos=False)
        bar.__enter__()
    try:
        t0 = time.perf_counter()
        summary = api.load(files, store=store_opt, graph=graph, default_graph=default_graph,
                           format=fmt, append=append, on_bytes=bar.update if bar else None,
                           allow_remote_context=allow_remote_context)
        elapsed = time.perf_counter() - t0
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"loaded {summary.triples} triples in {elapsed:.2f} s "
               f"({summary.triples / elapsed if elapsed else 0:,.0f} triples/s) into "
               f"{summary.directory}", err=True)


@click.command("serve")
@click.option("--store", "store_opt", default=None, metavar="DIR",
              help="Serve this store (default: $KGTOOL_STORE when no --data is given).")
@click.option("--data", multiple=True, metavar="FILE",
              help="Serve these RDF files (repeatable) instead of the built graph.")
@allow_remote_context_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback exposes an unauthenticated endpoint.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port, printed at start).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0, min_open=True),
              metavar="SECONDS", help="Per-query time limit; the query's worker is killed (503).")
@click.option("--row-cap", default=10000, show_default=True, type=click.IntRange(1),
              metavar="N", help="At most N rows/triples per answer; cut answers carry "
                                "X-Kgtool-Truncated.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Query worker processes (queries run in parallel up to this number).")
@click.option("--max-body", default=1 << 20, show_default=True, type=click.IntRange(1),
              metavar="BYTES", help="Largest accepted POST body (413 above).")
@click.option("--client-timeout", default=10.0, show_default=True,
              type=click.FloatRange(0, min_open=True), metavar="SECONDS",
              help="Drop a client that takes longer than this to send its whole request.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests whose Host header is NAME (or NAME:PORT), e.g. the name "
                   "of a reverse proxy (repeatable). By default only the bound address, "
                   "127.0.0.1, localhost and [::1] (421 otherwise: DNS rebinding).")
@click.option("--max-per-client", default=32, show_default=True, type=click.IntRange(1),
              metavar="N", help="Connections one client address may hold; beyond it (and "
                                "beyond 64 in all) the slowest request being read is dropped.")
@click.option("--allow-from", is_flag=True,
              help="Permit FROM / FROM NAMED in queries (they select graphs of the served data).")
@click.option("--quiet", is_flag=True, help="No access log on stderr.")
@click.option("--base", default="https://w3id.org/kgtool/", show_default=True, metavar="IRI",
              help="IRIs under this prefix resolve at this server's root: /id/place/松江区 "
                   "answers <BASE id/place/松江区> (303 to .html/.ttl/.jsonld/.nt by Accept).")
@click.option("--no-pages", is_flag=True, help="Serve the SPARQL endpoint only, no web pages.")
@click.option("--cors", is_flag=True,
              help="Let web pages of any origin query the endpoint: Access-Control-Allow-Origin: * "
                   "and answers to OPTIONS preflights (off by default: OPTIONS is 405).")
@project_option
@handle_errors
def serve_cmd(store_opt: str | None, data: tuple[str, ...], host: str, port: int, timeout: float,
              row_cap: int, workers: int, max_body: int, client_timeout: float, allow_from: bool,
              quiet: bool, base: str, no_pages: bool, cors: bool, project: str | None,
              allowed_hosts: tuple[str, ...] = (), max_per_client: int = 32,
              allow_remote_context: bool = False) -> None:
    """Serve the graph as a read-only SPARQL 1.1 Protocol endpoint at /sparql.

    GET or POST (form or application/sparql-query); results as SPARQL JSON/XML/CSV/TSV or
    Turtle/N-Triples/JSON-LD/RDF-XML by the Accept header (or ?format=). Updates, SERVICE and
    FROM are refused (403) as in `kgtool query`. Every other path is a web page: each IRI
    under --base resolves (HTML for browsers, Turtle/JSON-LD/N-Triples by Accept or suffix),
    with entity, source, class, label-search and query pages (docs/web.md).

    \b
    Examples:
      kgtool serve
      kgtool serve --store /data/kg --port 3030 --timeout 10
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:8642/sparql
    """
    from kgtool import api

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: binding {host}: the endpoint has no authentication of its own; put "
                   "it behind a reverse proxy that has", err=True)

    def announce(srv: Any) -> None:
        click.echo(f"serving http://{host}:{srv.server_port}/sparql ({workers} workers, timeout "
                   f"{timeout:g} s, row cap {row_cap}); Ctrl-C stops", err=True)
        sys.stderr.flush()

    api.serve(data=data, store=store_opt, project=project, on_stale=_note, on_start=announce,
              host=host, port=port, timeout=timeout, row_cap=row_cap, workers=workers,
              max_body=max_body, client_timeout=client_timeout, allow_from=allow_from,
              quiet=quiet, web=not no_pages, base=base, cors=cors, allowed_hosts=allowed_hosts,
              max_per_client=max_per_client, allow_remote_context=allow_remote_context)


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="The store's base URL: virtuoso http://host:8890, fuseki http://host:3030/DS, "
                   "graphdb http://host:7200/repositories/REPO, generic: the endpoint itself.")
@click.option("--vendor", type=click.Choice(["generic", "virtuoso", "fuseki", "graphdb"]),
              default="generic", show_default=True, help="URL layout of the store.")
@click.option("--graph", default=None, metavar="IRI",
              help="Remote graph IRI (one source only). Default: the built dataset's named "
                   "graphs (.../graph/source/KEY, .../graph/links, ...) plus their union "
                   ".../graph/union, .../graph/file/NAME for --data files, a store's own graph "
                   "names.")
@click.option("--data", multiple=True, metavar="FILE",
              help="Push these RDF files (one graph each) instead of the built graph.")
@allow_remote_context_option
@click.option("--store", "store_opt", default=None, metavar="DIR",
              help="Push every named graph of this store.")
@click.option("--method", type=click.Choice(["auto", "gsp", "update"]), default="auto",
              show_default=True, help="Graph Store Protocol PUT, SPARQL Update batches, or GSP "
                                      "falling back to Update where the store has no GSP.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1),
              help="Triples per INSERT DATA request (Update method).")
@click.option("--chunk", default=50000, show_default=True, type=click.IntRange(1),
              help="Triples per Graph Store POST request.")
@click.option("--no-verify", is_flag=True, help="Skip counting the triples on the endpoint.")
@click.option("--delete", is_flag=True,
              help="Delete the graph(s) on the endpoint instead, with the temporary graph a push "
                   "of the same data that stopped midway left.")
@click.option("--timeout", default=120.0, show_default=True,
              type=click.FloatRange(0, min_open=True), metavar="SECONDS",
              help="Network timeout per request.")
@click.option("--query-url", default=None, metavar="URL", help="Override the query URL.")
@click.option("--update-url", default=None, metavar="URL", help="Override the update URL.")
@click.option("--gsp-url", default=None, metavar="URL", help="Override the Graph Store URL.")
@click.option("-v", "--verbose", is_flag=True,
              help="Log each request and response on stderr (Authorization redacted).")
@project_option
@handle_errors
def push_cmd(endpoint: str, vendor: str, graph: str | None, data: tuple[str, ...],
             store_opt: str | None, method: str, batch: int, chunk: int, no_verify: bool,
             delete: bool,
             timeout: float, query_url: str | None, update_url: str | None, gsp_url: str | None,
             verbose: bool, project: str | None, allow_remote_context: bool) -> None:
    """Send the graph to a remote triple store and verify it by counting.

    One named graph per source, replaced atomically: uploaded into a temporary graph by Graph
    Store Protocol POSTs of --chunk triples (or SPARQL Update INSERT DATA of --batch triples
    where the store has no GSP), each retried on network errors and 5xx answers, counted, then
    moved onto the graph with one MOVE and counted again. Pushing twice leaves the same state.
    A failure at any step leaves the previous graph intact, says which step failed, and the
    same command resumes where it stopped. A progress bar is drawn when stderr is a terminal.
    Blank nodes become stable IRIs when a graph takes more than one request. Network and HTTP
    failures exit 6 with the status and the server's message. Credentials:
    KGTOOL_ENDPOINT_USER/KGTOOL_ENDPOINT_PASSWORD (Basic or Digest, as the server asks) or
    KGTOOL_ENDPOINT_TOKEN (Bearer), or a netrc file (KGTOOL_NETRC, else ~/.netrc); never flags.

    \b
    Examples:
      kgtool push --endpoint http://127.0.0.1:8890 --vendor virtuoso
      kgtool push --endpoint http://127.0.0.1:3030/kg --vendor fuseki --data extra.ttl
      kgtool push --endpoint http://127.0.0.1:8890 --vendor virtuoso --delete
    """
    from kgtool import api
    from kgtool import store as kstore

    if data and store_opt:
        raise UsageError("push either --data files or --store, not both", source="--store")
    directory = kstore.store_dir(store_opt) if not data else None
    if store_opt is None and not data and directory is not None and not delete:
        directory = None  # $KGTOOL_STORE does not redirect a plain push of the built graph
    report = api.push(endpoint=endpoint, vendor=vendor, data=data, store=directory, graph=graph,
                      method=method, batch=batch, chunk=chunk, verify=not no_verify,
                      delete=delete,
                      timeout=timeout, query_url=query_url, update_url=update_url,
                      gsp_url=gsp_url, log=_log(verbose), project=project_mod.locate(project),
                      on_stale=_note, allow_remote_context=allow_remote_context)
    for g, sent, counted, how in report.rows:
        if how == "delete":
            click.echo(f"deleted <{g}>")
            continue
        check = "not verified" if counted < 0 else f"verified {counted}"
        click.echo(f"pushed <{g}>: {sent} triples by {how}, {check}")


@click.command("remote-query", hidden=True)
@click.argument("query_arg", metavar="[QUERY]", required=False)
@click.option("--endpoint", required=True, metavar="URL", help="The SPARQL query endpoint URL.")
@click.option("-f", "--query-file", default=None, metavar="FILE",
              help="Read the query from FILE (- for stdin).")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Scope the query to these graphs (default-graph-uri; repeatable). Default: "
                   "the pushed dataset's union graph https://w3id.org/kgtool/graph/union.")
@click.option("--all-graphs", is_flag=True,
              help="Do not scope: query the endpoint's own default graph (on some stores the "
                   "union of everything they hold).")
@click.option("--format", "--results", "fmt", default=None, metavar="FORMAT",
              help="Output format, as for `kgtool query`.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Write at most N rows (or triples); a note on stderr says when it cut.")
@click.option("--timeout", default=60.0, show_default=True,
              type=click.FloatRange(0, min_open=True), metavar="SECONDS",
              help="Network timeout (exit 6 when exceeded).")
@click.option("--allow-service", is_flag=True, help="Permit SERVICE. Refused by default.")
@click.option("--allow-from", is_flag=True, help="Permit FROM / FROM NAMED. Refused by default.")
@click.option("--ask-exit", is_flag=True, help="For ASK: exit 0 when true, 1 when false.")
@click.option("-v", "--verbose", is_flag=True,
              help="Log the HTTP exchange on stderr (Authorization redacted).")
@project_option
@handle_errors
def remote_query_cmd(query_arg: str | None, endpoint: str, query_file: str | None,
                     graphs: tuple[str, ...], all_graphs: bool, fmt: str | None,
                     limit: int | None, timeout: float, allow_service: bool, allow_from: bool,
                     ask_exit: bool, verbose: bool, project: str | None) -> None:
    """Run a query (text, file or a named query like cq01) against a remote endpoint.

    A hidden alias of `kgtool query --endpoint URL` (which is what to use), kept so scripts that
    call it keep working. The same checks, output formats and exit codes as `kgtool query`;
    kgtool's prefixes are declared for the remote store. Network and HTTP failures exit 6.

    \b
    Examples:
      kgtool remote-query --endpoint http://127.0.0.1:8642/sparql cq01
      kgtool remote-query --endpoint http://127.0.0.1:3030/kg/sparql 'ASK { ?s a kg:District }'
    """
    from kgtool.cli_query import query_cmd

    # One implementation: forward to `kgtool query --endpoint`, whose checks, formats, exit
    # codes and logging are the same by construction.
    click.get_current_context().invoke(
        query_cmd, query_arg=query_arg, query_file=query_file, data=(), data_format=None,
        with_graph=False, params=(), fmt=fmt, limit=limit, timeout=timeout,
        allow_service=allow_service, allow_from=allow_from, ask_exit=ask_exit, store_opt=None,
        endpoint=endpoint, graphs=graphs, all_graphs=all_graphs, verbose=verbose, project=project)
