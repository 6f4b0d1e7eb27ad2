"""Run SPARQL over the built graph (or given files) with pyoxigraph, safely and with usable errors.

Why pyoxigraph: it imports in ~3 ms and answers 27-53x faster than rdflib's engine
(research/perf-baseline.md, bench/README.md); rdflib and pyshacl are never imported here, so a
plain `kgtool query cq01` starts fast. What pyoxigraph lacks we add around it:

- a policy check on the query's tokens before it runs (`kgtool.sparql_policy`: read-only, no
  SERVICE / FROM unless allowed), because pyoxigraph would POST to any SERVICE URL;
- errors with `SOURCE:LINE:COL`, the offending line and a caret, and an undeclared prefix named;
- `--param` bindings through pyoxigraph `substitutions` (SEP-0007), never string splicing;
- a timeout that really stops the query: pyoxigraph cannot be interrupted from Python, so the
  query runs in a forked worker process that is killed at the deadline;
- language tags restored to the case the data wrote (`kgtool.output.LangCase`);
- a persistent store (`kgtool.store`) instead of parsing files.

The public entry point is `kgtool.api` (`Dataset.query`); this module is its engine.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, TextIO

import pyoxigraph as ox

from kgtool import formats, output, oxreader, sparql_policy
from kgtool.errors import InputError, KgtoolError, QueryTimeout, RemoteError, UsageError
from kgtool.namespaces import ID, PREFIXES
from kgtool.project import Project

NAME_RE = r"^[a-z][a-z0-9_-]*$"
LANG_SCAN_LIMIT = 8 * 1024 * 1024   # scan files up to this size for language tags as written


# ------------------------------------------------------------------------ query text

# Plain classes, not dataclasses: each @dataclass costs ~0.5 ms at import, on every start-up.
class QueryText:
    """A query and where it came from (the SOURCE of error messages); `needs` lists the
    reference datasets a bundled query reads (its `# needs:` header, kgtool.reference kinds)."""

    __slots__ = ("text", "source", "needs", "checked")

    def __init__(self, text: str, source: str, needs: tuple[str, ...] = ()) -> None:
        self.text = text
        self.source = source
        self.needs = needs
        # `prepare`'s last answer for this text and these options: the CLI checks a query before
        # loading data and `Dataset.query` checks it again (≈ 1 ms of lexing and parsing saved).
        self.checked: tuple[tuple[str, bool, bool, bool], sparql_policy.QueryInfo] | None = None


class NamedQuery:
    """A bundled `.rq` file with the title and description of its header comment."""

    __slots__ = ("name", "path", "title", "description")

    def __init__(self, name: str, path: Path, title: str, description: str) -> None:
        self.name, self.path, self.title, self.description = name, path, title, description


class QuerySyntaxError(InputError):
    """A SPARQL syntax error: one `SOURCE:LINE:COL: message` line, then the line and a caret."""

    def __init__(self, message: str, *, source: str, line: int, column: int, text: str) -> None:
        lines = text.split("\n")
        # An error at the end of the text (often a blank last line) is shown where the text ends.
        while 1 < line <= len(lines) + 1 and (line > len(lines) or not lines[line - 1][:column].strip()):
            line -= 1
            column = len(lines[line - 1].rstrip()) + 1
        super().__init__(message, source=source, line=line, column=column)
        self.snippet = ""
        if 1 <= line <= len(lines):
            src_line = lines[line - 1].rstrip("\r").expandtabs(1)
            col = max(1, min(column, len(src_line) + 1))
            caret = " " * output.display_width(src_line[:col - 1]) + "^"
            self.snippet = f"  {src_line}\n  {caret}"

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n{self.snippet}" if self.snippet else base


def _header(text: str) -> dict[str, str]:
    """`# key: value` lines at the top of a .rq file."""
    meta: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            break
        m = re.match(r"#\s*([A-Za-z_-]+)\s*:\s*(.*)$", s)
        if m:
            key = m.group(1).lower()
            meta[key] = (meta[key] + " " + m.group(2)).strip() if key in meta else m.group(2).strip()
    return meta


def queries_dir(project: Project | None = None) -> Path:
    """The package's `queries/` folder (the same place as `Project.queries_dir`, found without
    importlib.resources, which costs ~5 ms to import)."""
    return Path(__file__).parent / "queries"


def named_queries(project: Project | None = None) -> list[NamedQuery]:
    """The bundled named queries, sorted by name."""
    out = []
    for path in sorted(queries_dir(project).glob("*.rq")):
        meta = _header(path.read_text(encoding="utf-8"))
        out.append(NamedQuery(path.stem, path, meta.get("title", ""), meta.get("description", "")))
    return out


def _shown_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read_stdin(stdin: TextIO | None) -> str:
    """The query from standard input, as UTF-8 whatever the locale."""
    stream = stdin or sys.stdin
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream.read()
    try:
        return buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8", source="<stdin>") from None


def resolve_query(arg: str | None, query_file: str | None,
                  project: Project | None = None, stdin: TextIO | None = None) -> QueryText:
    """The query text: an argument, `-` (stdin), a `-f` file, or a bundled name like `cq01`.

    A name is never a path: it must match `^[a-z][a-z0-9_-]*$` and is looked up only in the
    package's `queries/` folder."""
    if (arg is None) == (query_file is None):
        raise UsageError("give exactly one of: a QUERY argument (text, a named query, or - for "
                         "stdin) or -f/--query-file FILE", source="query")
    if query_file is not None:
        if query_file == "-":
            return QueryText(_read_stdin(stdin), "<stdin>")
        try:
            return QueryText(Path(query_file).read_bytes().decode("utf-8"), query_file)
        except FileNotFoundError:
            raise InputError("no such file", source=query_file) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a query file", source=query_file) from None
        except UnicodeDecodeError:
            raise InputError("not valid UTF-8", source=query_file) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=query_file) from None
    assert arg is not None
    if arg == "-":
        return QueryText(_read_stdin(stdin), "<stdin>")
    if re.match(NAME_RE, arg):
        path = queries_dir(project) / f"{arg}.rq"
        if not path.is_file():
            names = ", ".join(q.name for q in named_queries(project)) or "none"
            raise UsageError(f"no named query {arg!r} (available: {names}; see `kgtool queries`)",
                             source="query")
        text = path.read_text(encoding="utf-8")
        needs = tuple(_header(text).get("needs", "").replace(",", " ").split())
        return QueryText(text, _shown_path(path), needs)
    return QueryText(arg, "<query>")


# ------------------------------------------------------------------------ parameters

# Patterns used only with --param: compiled on first use (re's cache), not at import.
_PNAME_LIKE = r"^[A-Za-z][A-Za-z0-9_.-]*:\S*$|^:\S*$"
_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_VARNAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def parse_term(value: str, prefixes: dict[str, str]) -> Any:
    """One RDF term from `--param` syntax, parsed by pyoxigraph's Turtle parser (never spliced).

    `<iri>` (a relative `<place/松江区>`, as tables print things, is under `…/id/`),
    `prefix:local`, `"text"`, `"text"@zh-Hans`, `"5"^^xsd:integer`, bare numbers and booleans;
    anything else is a plain string. Raises ValueError when malformed."""
    v = value.strip()
    if not v:
        return ox.Literal("")
    if v[0] in "<\"'" or re.match(_NUMBER, v) or v in ("true", "false") or re.match(_PNAME_LIKE, v):
        if re.match(_PNAME_LIKE, v) and not v.startswith(("<", '"', "'")):
            prefix = v.split(":", 1)[0]
            if prefix not in prefixes:
                raise ValueError(f"unknown prefix {prefix + ':'!r} (quote the value to pass a string)")
        head = f"@base <{ID}> .\n" + "".join(f"@prefix {p}: <{ns}> .\n"
                                              for p, ns in prefixes.items())
        doc = f"{head}<urn:kgtool:s> <urn:kgtool:p> {v} ."
        try:
            quads = list(ox.parse(input=doc.encode("utf-8"), format=ox.RdfFormat.TURTLE))
        except SyntaxError:
            raise ValueError(f"not an RDF term: {v}") from None
        if len(quads) != 1 or type(quads[0].object).__name__ not in ("NamedNode", "Literal") \
                or quads[0].subject.value != "urn:kgtool:s":
            raise ValueError("not a single IRI or literal")
        return quads[0].object
    return ox.Literal(value)


def parse_params(params: Any, info: sparql_policy.QueryInfo,
                 lang: output.LangCase | None = None) -> dict[Any, Any]:
    """`name=value` strings (or a mapping name -> value string or pyoxigraph term) ->
    pyoxigraph substitutions. UsageError (exit 2) when malformed."""
    prefixes = {**PREFIXES, **info.prefixes}
    subs: dict[Any, Any] = {}
    pairs: list[tuple[str, Any, str]] = []
    if isinstance(params, dict):
        pairs = [(str(k), v, f"{k}={v}") for k, v in params.items()]
    else:
        for raw in params or ():
            name, sep, value = raw.partition("=")
            if not sep:
                raise UsageError(f"malformed --param {raw!r}: expected NAME=VALUE")
            pairs.append((name, value, raw))
    for name, value, raw in pairs:
        name = name.strip().lstrip("?$")
        if not re.match(_VARNAME, name):
            raise UsageError(f"malformed --param {raw!r}: expected NAME=VALUE")
        if name not in info.variables:
            raise UsageError(f"--param {name}: the query has no variable ?{name}")
        if not isinstance(value, str):
            subs[ox.Variable(name)] = value
            continue
        try:
            subs[ox.Variable(name)] = parse_term(value, prefixes)
        except ValueError as exc:
            raise UsageError(f"malformed --param {name}: {exc}") from None
        if lang is not None:
            lang.add_from_text(value)
    return subs


# ------------------------------------------------------------------------ data

class DataSource:
    """An RDF input: a path, or `-` with `content` read from stdin and an explicit format."""

    __slots__ = ("path", "fmt", "content")

    def __init__(self, path: str, fmt: str | None = None, content: bytes | None = None) -> None:
        self.path, self.fmt, self.content = path, fmt, content

    def rdf_format(self) -> Any:
        """The pyoxigraph RdfFormat, from `fmt` (kgtool.formats) or the file extension."""
        if self.path == "-" and not self.fmt:
            raise UsageError("--data - (stdin) needs --data-format", source="--data")
        return oxreader.rdf_format(self.path, self.fmt, what="--data-format")


def load_store(sources: list[DataSource]) -> tuple[Any, output.LangCase, bool]:
    """Load sources into an in-memory pyoxigraph Store (through kgtool.oxreader, the reader
    every pyoxigraph loader shares); also the tags seen, and whether any source holds named
    graphs (then the default graph is queried as their union)."""
    store = ox.Store()
    lang = output.LangCase()
    union = False
    for src in sources:
        fmt = src.rdf_format()
        union = union or fmt.supports_datasets
        name = "<stdin>" if src.path == "-" else src.path
        data = src.content
        if data is None:
            try:
                small = os.path.getsize(src.path) <= LANG_SCAN_LIMIT
            except OSError:
                small = True   # read_bytes reports it
            if small:
                data = oxreader.read_bytes(src.path, name)
        if data is not None:
            lang.add_from_text(data.decode("utf-8", "replace"))
        oxreader.load(store, fmt, name, data=data, path=src.path)
    if union:
        # Set semantics (kgtool.dataset): the engine's own union is a bag, so a triple two
        # graphs share would match twice; the default graph becomes the distinct union instead.
        from kgtool import dataset  # noqa: PLC0415 - names only

        dataset.union_into_default(store)
        union = False
    return store, lang, union


def stale_warning(project: Project) -> str | None:
    """A one-line warning when the built graph is older than its sources, naming the fix.

    Read commands never rebuild (they must not write into the checkout): they warn and read
    the graph as it is. The check (`kgtool.staleness`) is stdlib only."""
    if not project.in_checkout or not project.built_graph.is_file():
        return None
    from kgtool import staleness  # noqa: PLC0415 - only inside a checkout

    if not staleness.is_stale(project):
        return None
    return (f"warning: {_shown_path(project.built_graph)} is older than its sources; run "
            "`kgtool build` to rebuild it (reading it as it is)")


def default_sources(project: Project, *, rebuild: bool = False,
                    notify: Callable[[str], None] | None = None) -> list[DataSource]:
    """The built graph, as it is: never rebuilt (`rebuild=True` is refused). When `notify` is
    given and the graph is stale, it gets `stale_warning`'s line."""
    if rebuild:
        raise ValueError("read commands never build: run `kgtool build` (kgtool.api.build)")
    # The built dataset (named graphs, kgtool.dataset) when there is one, else the Turtle graph.
    graph = project.built_dataset if project.built_dataset.is_file() else project.built_graph
    if notify is not None:
        note = stale_warning(project)
        if note:
            notify(note)
    if not graph.is_file():
        raise InputError("the built graph is missing; run `kgtool build`", source=_shown_path(graph))
    return [DataSource(str(graph))]


# ------------------------------------------------------------------------ running

class UnsupportedQuery(InputError, RuntimeError):
    """The engine parsed the query but cannot run it: a function it does not know (a custom or
    vendor function IRI such as `bif:contains`). An InputError (exit 3, one line) for `kgtool
    query`; also a RuntimeError, because `kgtool.api.Dataset.query` catches that on an endpoint
    to let the remote store, which may well know the function, decide."""


def prepare(query: QueryText, *, allow_service: bool = False,
            allow_from: bool = False, parse: bool = True) -> sparql_policy.QueryInfo:
    """Lex the query, apply the policy and check prefixes, before any data is loaded.

    `parse=False` stops after the lexer's checks: `kgtool serve` parses in its worker processes,
    never in the server process. A query outside the lexer's safe envelope is first parsed in a
    forked child (kgtool.contained), so an engine crash becomes an InputError, not ours."""
    key = (query.text, allow_service, allow_from, parse)
    if query.checked is not None and query.checked[0] == key:
        return query.checked[1]
    info = sparql_policy.analyse(query.text, query.source)
    sparql_policy.check(info, allow_service=allow_service, allow_from=allow_from,
                        source=query.source)
    bad = sparql_policy.undeclared_prefix(info, PREFIXES)
    if bad is not None:
        prefix = bad.text.split(":", 1)[0]
        raise QuerySyntaxError(f"undeclared prefix {prefix + ':'!r} in {bad.text!r} (add "
                               f"PREFIX {prefix}: <...>)", source=query.source, line=bad.line,
                               column=bad.column, text=query.text)
    if parse and not sparql_policy.within_safe_envelope(info):
        from kgtool import contained  # noqa: PLC0415 - only for big queries

        if not contained.survives(lambda: ox.Store().query(query.text, prefixes=PREFIXES,
                                                           base_iri=ID)):
            raise InputError(f"the query engine crashes on this query ({len(info.tokens)} tokens,"
                             f" nesting depth {info.depth}): too large or too deeply chained; "
                             "simplify it", source=query.source, line=1, column=1)
    if parse and not allow_service:
        # Parse now, against an empty store, so a syntax error is reported before any data is
        # loaded or rebuilt. pyoxigraph parses eagerly and evaluates lazily; nothing is iterated.
        execute(ox.Store(), query, None, False)
    query.checked = (key, info)
    return info


def execute(store: Any, query: QueryText, subs: dict[Any, Any] | None, union: bool) -> Any:
    """store.query with engine errors mapped to kgtool errors. Relative IRIs resolve under
    `…/id/`, so `<place/松江区>` (as tables print things) can be pasted back into a query."""
    try:
        return store.query(query.text, prefixes=PREFIXES, substitutions=subs or None,
                           use_default_graph_as_union=union, base_iri=ID)
    except SyntaxError as exc:
        msg = str(exc)
        m = re.match(r"error at (\d+):(\d+): (.*)", msg, re.S)
        if m:
            raise QuerySyntaxError(f"syntax error: {_clean_engine_message(m.group(3))}",
                                   source=query.source, line=int(m.group(1)),
                                   column=int(m.group(2)), text=query.text) from None
        raise InputError(f"syntax error: {_clean_engine_message(msg)}",
                         source=query.source) from None
    except RuntimeError as exc:
        m = re.search(r"does not contains? variable \?(\S+) in its SELECT projection", str(exc))
        if m:
            raise UsageError(f"--param {m.group(1)}: ?{m.group(1)} must be in the SELECT clause "
                             "(bindings apply to projected variables; use SELECT * or add it)"
                             ) from None
        msg = " ".join(str(exc).split())
        m = re.search(r"custom function (<[^>]*>) is not supported", msg)
        if m:
            raise UnsupportedQuery(f"unknown function {m.group(1)}: the local engine knows the "
                                   "SPARQL 1.1 built-ins and XSD casts only",
                                   source=query.source) from None
        raise UnsupportedQuery(f"the engine cannot run this query: {msg}",
                               source=query.source) from None
    except OSError as exc:  # SERVICE failures, when SERVICE is allowed
        raise RemoteError(f"query failed: {exc}", source=query.source) from None


def choose_format(fmt: str | None, form: str | None, tty: bool) -> str:
    """The output format's name (kgtool.formats): the one asked for if it suits the query form
    (aliases such as ttl, srj, text accepted), else the default; UsageError when it does not."""
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    if fmt is None:
        return "turtle" if graph_form else ("table" if tty else "tsv")
    known = formats.lookup(fmt, kind=formats.RDF if graph_form else formats.RESULTS)
    allowed = output.GRAPH_FORMATS if graph_form else output.SELECT_FORMATS
    if known is None or known.name not in allowed:
        kind = "CONSTRUCT/DESCRIBE" if graph_form else "SELECT/ASK"
        raise UsageError(f"--format {fmt} does not fit a {kind} query; use one of "
                         f"{', '.join(allowed)}", source="--format")
    return known.name


def _clean_engine_message(msg: str) -> str:
    """pyoxigraph's 'expected one of ...' lists character classes; keep the readable items."""
    msg = " ".join(msg.split())
    if not msg.startswith("expected"):
        return msg
    head, _, rest = msg.partition(" ")
    items, depth, cur, quote = [], 0, "", ""
    i = 0
    while i < len(rest):
        c = rest[i]
        if quote:
            cur += c
            if c == "\\" and i + 1 < len(rest):
                cur += rest[i + 1]
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
            cur += c
        elif c == "[":
            depth += 1
            cur += c
        elif c == "]":
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    items.append(cur.strip())
    if items and items[0].startswith("one of "):
        items[0] = items[0][7:]
    keep = [x for x in items if x and not x.startswith("[") and x != "Prefix not found"]
    if not keep:
        return "unexpected input"
    if len(keep) > 10:
        keep = keep[:10] + ["..."]
    return "expected " + (keep[0] if len(keep) == 1 else "one of " + ", ".join(keep))


def missing_references(store: Any, query: QueryText, union: bool) -> list[str]:
    """One note per reference dataset the query `needs` that is not in the data: without it the
    query still runs, on the few reference records graph/links.ttl carries, so its answer is
    partial and nothing else would say so."""
    from kgtool.reference import IMPORTERS, presence_check  # noqa: PLC0415 - only with `needs`
    from kgtool.reference.common import cache_dir, reference_dir  # noqa: PLC0415

    notes = []
    for kind in query.needs:
        importer = IMPORTERS.get(kind)
        if importer is None:
            continue
        if bool(store.query(presence_check(kind), use_default_graph_as_union=union)):
            continue
        path = reference_dir(cache_dir()) / importer.output
        notes.append(f"note: {query.source} needs the {importer.title} ({kind}), which is not in "
                     f"the data, so the answer is partial: run `kgtool import-reference {kind}` "
                     f"and add --data {path} (docs/linking.md)")
    return notes


def select_order(info: sparql_policy.QueryInfo, variables: list[str]) -> list[int]:
    """Column order for a result: the engine's, except for `SELECT *`, whose columns the engine
    sorts by name (?o ?p ?s): there, the order in which the variables first appear in the query.

    >>> info = sparql_policy.analyse("SELECT * WHERE { ?s ?p ?o }")
    >>> select_order(info, ["o", "p", "s"])
    [2, 1, 0]
    """
    sig = info.tokens
    star = False
    for i, tok in enumerate(sig):
        if tok.kind == sparql_policy.WORD and tok.text.upper() == "SELECT":
            j = i + 1
            while j < len(sig) and sig[j].text.upper() in ("DISTINCT", "REDUCED"):
                j += 1
            star = j < len(sig) and sig[j].text == "*"
            break
    if not star:
        return list(range(len(variables)))
    first: dict[str, int] = {}
    for tok in sig:
        if tok.kind == sparql_policy.VAR:
            first.setdefault(tok.text[1:], len(first))
    return sorted(range(len(variables)), key=lambda i: (first.get(variables[i], len(first)), i))


# ------------------------------------------------------------------------ timeout

class RelayedError(KgtoolError):
    """A KgtoolError raised in the worker process, carried back with its text and exit code."""

    def __init__(self, text: str, exit_code: int) -> None:
        super().__init__(text)
        self.text = text
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.text


def call_with_timeout(func: Callable[[], Any], timeout: float) -> Any:
    """`func()` in a forked worker, killed at `timeout` seconds (QueryTimeout, exit 5); its
    (picklable) return value comes back through a pipe.

    pyoxigraph holds the GIL-free Rust query loop and offers no cancellation, so a thread or a
    signal cannot stop it; killing a process can. A killed query leaves no partial output."""
    import pickle  # noqa: PLC0415 - only the --timeout path needs these
    import select  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import time  # noqa: PLC0415

    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        raise UsageError("--timeout needs a POSIX system (os.fork)", source="--timeout")
    rfd, wfd = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid == 0:  # worker
        os.close(rfd)
        code = 70
        try:
            try:
                payload: tuple[Any, ...] = ("ok", func())
            except KgtoolError as exc:
                payload = ("error", exc.exit_code, str(exc))
            except BaseException as exc:  # noqa: BLE001 - report, never hang the parent
                payload = ("error", 70, f"internal error: {type(exc).__name__}: {exc}")
            try:
                data = pickle.dumps(payload)
            except Exception as exc:  # noqa: BLE001 - an unpicklable result is our bug
                data = pickle.dumps(("error", 70, f"internal error: {type(exc).__name__}: {exc}"))
            view = memoryview(data)
            while view:
                n = os.write(wfd, view)
                view = view[n:]
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise QueryTimeout(f"query stopped after --timeout {timeout:g} s", source="query")
            ready, _, _ = select.select([rfd], [], [], left)
            if ready:
                chunk = os.read(rfd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        raise KgtoolError(f"query worker died (status {status})")
    payload = pickle.loads(b"".join(chunks))
    if payload[0] == "error":
        raise RelayedError(payload[2], payload[1])
    return payload[1]


__all__ = ["QueryText", "NamedQuery", "QuerySyntaxError", "UnsupportedQuery", "DataSource",
           "resolve_query", "named_queries", "parse_term", "parse_params", "load_store",
           "default_sources", "stale_warning", "prepare", "execute", "choose_format",
           "select_order", "call_with_timeout"]
