"""The reading commands: `query`, `queries`, `export`, `stats`, `describe`.

Thin click layers over `kgtool.api`: parse options, make one API call (`Dataset.query`,
`Dataset.stats`, `Dataset.describe`, `api.export`), render, pick the exit code. Output goes to stdout as UTF-8
whatever the locale; notes and errors go to stderr. Only what a command needs is imported, and
only when it runs: `kgtool query` never loads rdflib or pySHACL (export does, for lexical fidelity).
"""
from __future__ import annotations

import io
import os
import sys
from typing import Any, Callable, TextIO

import click

from kgtool import project as project_mod
from kgtool.cli import allow_remote_context_option, handle_errors, project_option
from kgtool.errors import UsageError

FORMAT_HELP = ("Output format. SELECT/ASK: table (default on a terminal), csv, tsv (default "
               "otherwise), json, jsonl, xml. CONSTRUCT/DESCRIBE: turtle (default), nt, jsonld. "
               "--results is Jena's name for it.")


def format_option(help_text: str = FORMAT_HELP) -> Callable[[Any], Any]:
    return click.option("--format", "--results", "fmt", default=None, metavar="FORMAT",
                        help=help_text)


def _stdout() -> TextIO:
    """UTF-8 text over stdout's bytes, newlines untranslated (CSV needs its CRLF)."""
    return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)


def _finish(out: TextIO) -> None:
    """Flush inside the command, so a closed pipe raises where handle_errors can catch it."""
    try:
        out.flush()
    finally:
        if isinstance(out, io.TextIOWrapper):
            try:
                out.detach()
            except (ValueError, OSError):
                pass


def _dataset(proj: project_mod.Project, data: tuple[str, ...], data_format: str | None,
             with_graph: bool, directory: Any = None, allow_remote_context: bool = False) -> Any:
    """The api.Dataset the options name: a store, --data files (with the graph), or the graph."""
    from kgtool import api

    if directory is not None:
        return api.Dataset.from_store(directory)
    stdin = sys.stdin.buffer.read() if "-" in data and data_format else None
    return api.Dataset.from_files(*data, format=data_format, with_graph=with_graph, project=proj,
                                  on_stale=_note, stdin=stdin,
                                  allow_remote_context=allow_remote_context)


def _note(line: str) -> None:
    click.echo(line, err=True)


data_options = [
    click.option("--data", "data", multiple=True, metavar="FILE",
                 help="Query these RDF files instead of the built graph (repeatable; format from "
                      "the extension; - reads stdin and needs --data-format)."),
    click.option("--data-format", default=None, metavar="FMT",
                 help="Format of the --data files: turtle, nt, nq, trig, xml, jsonld."),
    click.option("--with-graph", is_flag=True,
                 help="Query the built graph too, together with the --data files."),
    allow_remote_context_option,
]


def with_data_options(func: Any) -> Any:
    for opt in reversed(data_options):
        func = opt(func)
    return func


STORE_HELP = ("Read this persistent store (made by `kgtool load`; its graphs as one) instead "
              "of the built graph (default: $KGTOOL_STORE when no --data is given).")
store_option = click.option("--store", "store_opt", default=None, metavar="DIR", help=STORE_HELP)


def _store_dir(store_opt: str | None, data: tuple[str, ...], with_graph: bool = False,
               other: str | None = None) -> Any:
    """The store to read, or None. An explicit --store with --data/--with-graph (or `other`, an
    option that picks another source) is a usage error; $KGTOOL_STORE only applies when nothing
    else names the data, so with it unset nothing changes."""
    import os

    if store_opt is None and not os.environ.get("KGTOOL_STORE"):
        return None  # the common case: kgtool.store is not even imported
    if store_opt is not None:
        clash = "--data" if data else ("--with-graph" if with_graph else other)
        if clash:
            raise UsageError(f"--store and {clash} exclude each other: query a store, files or "
                             "an endpoint", source="--store")
    elif data or with_graph or other:
        return None  # $KGTOOL_STORE does not override sources named on the command line
    from kgtool import store as kstore

    return kstore.store_dir(store_opt)


@click.command("query")
@click.argument("query_arg", metavar="[QUERY]", required=False)
@click.option("-f", "--query-file", default=None, metavar="FILE",
              help="Read the query from FILE (- for stdin).")
@with_data_options
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help='Bind ?NAME before the query runs (repeatable). VALUE: <iri>, prefix:local, '
                   '"text", "text"@zh-Hans, "5"^^xsd:integer, a number, true/false, or plain text.')
@format_option()
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Write at most N rows (or triples); a note on stderr says when it cut.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Stop the query after SECONDS (exit 5). Off by default.")
@click.option("--allow-service", is_flag=True,
              help="Permit SERVICE (federated queries contact other servers). Refused by default.")
@click.option("--allow-from", is_flag=True,
              help="Permit FROM / FROM NAMED (they select graphs of the loaded data; never files "
                   "or URLs). Refused by default.")
@click.option("--ask-exit", is_flag=True, help="For ASK: exit 0 when true, 1 when false.")
@store_option
@click.option("--endpoint", default=None, metavar="URL",
              help="Run the query on this remote SPARQL endpoint instead (scoped to the pushed "
                   "dataset's union graph https://w3id.org/kgtool/graph/union unless "
                   "--graph/--all-graphs; --timeout is then the network "
                   "timeout, 60 s by default; network and HTTP failures exit 6).")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="With --endpoint: scope the query to these graphs (default-graph-uri; "
                   "repeatable). Default: https://w3id.org/kgtool/graph/union.")
@click.option("--all-graphs", is_flag=True,
              help="With --endpoint: do not scope; query the endpoint's own default graph (on "
                   "some stores the union of everything they hold).")
@click.option("-v", "--verbose", is_flag=True,
              help="With --endpoint: log the HTTP exchange on stderr (Authorization redacted).")
@project_option
@handle_errors
def query_cmd(query_arg: str | None, query_file: str | None, data: tuple[str, ...],
              data_format: str | None, with_graph: bool, allow_remote_context: bool,
              params: tuple[str, ...], fmt: str | None,
              limit: int | None, timeout: float | None, allow_service: bool, allow_from: bool,
              ask_exit: bool, store_opt: str | None, endpoint: str | None,
              graphs: tuple[str, ...], all_graphs: bool, verbose: bool,
              project: str | None) -> None:
    """Run a SPARQL query over the built graph (or --data files, a --store, an --endpoint).

    QUERY is SPARQL text, - for stdin, or the name of a bundled query (see `kgtool queries`);
    a name is never a path. The prefixes of kgtool.namespaces (kg:, skos:, prov:, ...) are
    predeclared (and declared for a remote endpoint). The query is read-only: updates are
    refused (exit 4), and so are SERVICE and FROM unless --allow-service / --allow-from. Syntax
    errors exit 3 with SOURCE:LINE:COL. Credentials for --endpoint: KGTOOL_ENDPOINT_USER /
    KGTOOL_ENDPOINT_PASSWORD or KGTOOL_ENDPOINT_TOKEN, or a netrc file; never flags.

    \b
    Examples:
      kgtool query cq01
      kgtool query 'SELECT ?s WHERE { ?s a kg:District }' --format csv
      kgtool query -f my.rq --data extra.ttl --with-graph --format json
      kgtool query 'SELECT * WHERE { ?s ?p ?o }' --param 's=<place/松江区>'
      kgtool query 'ASK { ?s a kg:Enterprise }' --ask-exit
      kgtool query cq01 --store /data/kg
      kgtool query cq01 --endpoint http://127.0.0.1:8642/sparql
    """
    from kgtool import api, formats
    from kgtool import query as q

    if endpoint is not None:
        clash = next((o for o, on in (("--data", data), ("--store", store_opt is not None),
                                      ("--with-graph", with_graph), ("--param", params),
                                      ("--data-format", data_format)) if on), None)
        if clash:
            raise UsageError(f"--endpoint and {clash} exclude each other: the query runs on the "
                             "remote store's data", source="--endpoint")
    elif graphs or all_graphs:
        raise UsageError(f"{'--graph' if graphs else '--all-graphs'} needs --endpoint "
                         "(locally, select graphs with GRAPH or --allow-from FROM)",
                         source="--graph" if graphs else "--all-graphs")
    elif verbose:
        raise UsageError("--verbose logs the HTTP exchange with --endpoint; there is none "
                         "locally", source="--verbose")
    if graphs and all_graphs:
        raise UsageError("--graph and --all-graphs exclude each other", source="--all-graphs")
    if fmt is not None:
        formats.require(fmt)
    directory = _store_dir(store_opt, data, with_graph, "--endpoint" if endpoint else None)
    proj = project_mod.locate(project)
    if query_arg == "-" and "-" in data:
        raise UsageError("stdin can feed the query or the data, not both", source="query")
    text = q.resolve_query(query_arg, query_file, proj)
    tty = sys.stdout.isatty()
    if endpoint is not None:
        dataset = api.Dataset.from_endpoint(
            endpoint, graphs=[] if all_graphs else (list(graphs) or None),
            timeout=timeout or 60.0, log=_note if verbose else None)
    else:
        # Policy, prefixes, form and parameters are checked before any data is loaded.
        info = q.prepare(text, allow_service=allow_service, allow_from=allow_from)
        q.choose_format(fmt, info.form, tty)
        q.parse_params(params, info)
        if ask_exit and info.form != "ASK":
            raise UsageError("--ask-exit needs an ASK query", source="--ask-exit")
        dataset = _dataset(proj, data, data_format, with_graph, directory, allow_remote_context)
    result = dataset.query(text, params=list(params), limit=limit,
                           timeout=timeout if endpoint is None else None,
                           allow_service=allow_service, allow_from=allow_from)
    if ask_exit and result.form != "ASK":
        raise UsageError("--ask-exit needs an ASK query", source="--ask-exit")
    for note in result.notes:
        click.echo(note, err=True)
    out = _stdout()
    try:
        n = result.write(out, fmt, tty=tty)
    finally:
        _finish(out)
    if result.truncated:
        what = "triples" if result.form == "CONSTRUCT" else "rows"
        click.echo(f"note: output truncated to {n} {what} (--limit {limit})", err=True)
    if ask_exit and not bool(result):
        sys.exit(1)


@click.command("queries")
@format_option("Output format: table (default on a terminal), tsv (default otherwise), csv, "
               "json, jsonl, xml.")
@project_option
@handle_errors
def queries_cmd(fmt: str | None, project: str | None) -> None:
    """List the bundled named queries with their titles.

    \b
    Example:
      kgtool queries
    """
    from kgtool import api, query as q

    tty = sys.stdout.isatty()
    q.choose_format(fmt, "SELECT", tty)
    table = api.named_queries(project_mod.locate(project))
    out = _stdout()
    try:
        table.write(out, fmt, tty=tty)
    finally:
        _finish(out)


@click.command("export")
@click.option("--what", type=click.Choice(["data", "ontology", "shapes", "all"]), default="data",
              show_default=True, help="What to export: the data (the built graph), the ontology, "
                                      "the shapes, or all of them.")
@click.option("--format", "fmt", type=click.Choice(["turtle", "nt", "trig", "nq", "jsonld", "xml"]),
              default="turtle", show_default=True,
              help="RDF format. trig/nq put each source in its own named graph: "
                   "https://w3id.org/kgtool/graph/{facts,ontology,shapes} and "
                   ".../graph/dataset/KEY for each reference dataset.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE atomically (temp file + rename) instead of stdout.")
@click.option("--data", "data", multiple=True, metavar="FILE",
              help="Export these RDF files as the data instead of the built graph (repeatable).")
@allow_remote_context_option
@click.option("--store", "store_opt", default=None, metavar="DIR",
              help="Export the data of this persistent store (all its graphs merged; default: "
                   "$KGTOOL_STORE when no --data is given). A store keeps values, not their "
                   "spelling: 2.60 comes back as 2.6.")
@project_option
@handle_errors
def export_cmd(what: str, fmt: str, output: str | None, data: tuple[str, ...],
               allow_remote_context: bool, store_opt: str | None, project: str | None) -> None:
    """Export the graph, the ontology or the shapes, values exactly as written.

    Output is deterministic (sorted; the project's prefixes; things relative to @base in Turtle)
    and exported Turtle parses back to an isomorphic graph. From a --store the values are kept
    but not always their spelling (the engine stores numbers canonically).

    \b
    Examples:
      kgtool export > songjiang.ttl
      kgtool export --what all --format trig -o all.trig
      kgtool export --what ontology --format jsonld
      kgtool export --store /data/kg --format nt
    """
    from kgtool import api

    directory = _store_dir(store_opt, data)
    # Streamed (to stdout, or to a temp file renamed over -o): a big store is never in memory.
    api.export(what, fmt, project=project_mod.locate(project), output=output, data=data,
               store=directory, on_stale=_note, out=sys.stdout.buffer.write,
               allow_remote_context=allow_remote_context)
    if output is None:
        sys.stdout.buffer.flush()
    else:
        import stat

        # A device or FIFO (-o /dev/null) was written through: its size says nothing.
        size = os.stat(output)
        count = f"{size.st_size} bytes, " if stat.S_ISREG(size.st_mode) else ""
        click.echo(f"wrote {output} ({count}{fmt})", err=True)


@click.command("stats")
@with_data_options
@store_option
@format_option("Output format: table (default on a terminal), tsv (default otherwise), csv, "
               "json, jsonl, xml. Rows are (section, item, value).")
@project_option
@handle_errors
def stats_cmd(data: tuple[str, ...], data_format: str | None, with_graph: bool,
              allow_remote_context: bool, store_opt: str | None, fmt: str | None,
              project: str | None) -> None:
    """Count triples, classes, properties and facts per source; check provenance.

    A fact node has verified provenance when a span it derives from quotes exactly the slice of
    the source text between the span's offsets (or it derives from a reference dataset).

    \b
    Examples:
      kgtool stats
      kgtool stats --format json
      kgtool stats --store /data/kg
    """
    from kgtool import query as q

    tty = sys.stdout.isatty()
    q.choose_format(fmt, "SELECT", tty)
    dataset = _dataset(project_mod.locate(project), data, data_format, with_graph,
                       _store_dir(store_opt, data, with_graph), allow_remote_context)
    table = dataset.stats_table()
    out = _stdout()
    try:
        table.write(out, fmt, tty=tty)
    finally:
        _finish(out)


@click.command("describe")
@click.argument("term")
@with_data_options
@store_option
@format_option("Output format: table (the fact sheet; default), json, turtle, nt, jsonld.")
@project_option
@handle_errors
def describe_cmd(term: str, data: tuple[str, ...], data_format: str | None, with_graph: bool,
                 allow_remote_context: bool, store_opt: str | None, fmt: str | None,
                 project: str | None) -> None:
    """Everything the graph says about one thing, with its source quotes and offsets.

    TERM is an IRI, a prefixed name (kg:District), a thing key (place/松江区) or a zh/en label.
    A label that names several things lists them and exits 2; an unknown TERM exits 3.

    \b
    Examples:
      kgtool describe 松江区
      kgtool describe place/洞泾镇 --format json
      kgtool describe 'Songjiang District' --format turtle
      kgtool describe 松江区 --store /data/kg
    """
    from kgtool import describe as de

    fmt = de.choose_format(fmt)  # a usage error before any data is read
    dataset = _dataset(project_mod.locate(project), data, data_format, with_graph,
                       _store_dir(store_opt, data, with_graph), allow_remote_context)
    sheet = dataset.describe(term)
    out = _stdout()
    try:
        de.write(out, sheet, fmt, dataset.lang)
    finally:
        _finish(out)
