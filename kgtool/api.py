"""The kgtool Python API: open a dataset, query it, and build, validate, link, export, push.

Every `kgtool` command is a thin layer over one call here: it parses its options, calls the
API, and renders what comes back. A notebook or a pipeline uses the same calls:

>>> import kgtool
>>> ds = kgtool.open()                     # the built graph of this checkout, never rebuilt
>>> result = ds.query("SELECT ?d WHERE { ?d a kg:District }")
>>> result.variables
['d']
>>> [str(row["d"]) for row in result]
['<https://w3id.org/kgtool/id/place/松江区>']
>>> ds.query("ASK { ?d a kg:District }").value
True
>>> result.serialize("csv").decode().splitlines()
['d', 'https://w3id.org/kgtool/id/place/松江区']

The writing and housekeeping verbs are functions: `build`, `validate`, `coverage`, `link` and
`update_links`, `import_reference`, `export`, `load`, `push`, `dump` / `verify_dump`,
`publish`, `serve`, `sources` / `add_source`, `conflicts`, `propose` / `propose_diff`.

Datasets (modelled on pyoxigraph's `Store` and sqlite-utils' `Database`) are opened with
named constructors: `open()` / `Dataset.from_project()` (the built graph), `Dataset.from_files`,
`Dataset.from_store` (a persistent store made by `kgtool load`) and `Dataset.from_endpoint`
(a remote SPARQL endpoint). Read operations never build or write: a stale built graph is read
as it is, with one `StaleGraphWarning` naming the fix (`kgtool build`).

Errors are `kgtool.errors.KgtoolError` subclasses carrying the exit code the CLI uses
(`UsageError` 2, `InputError` 3, `PolicyError` 4, `QueryTimeout` 5, `RemoteError` 6).

This module imports only the standard library and kgtool's light modules at import time;
pyoxigraph, rdflib and pySHACL are imported by the calls that need them.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from kgtool import formats
from kgtool.errors import UsageError
from kgtool.project import Project, locate

if TYPE_CHECKING:  # pragma: no cover - types only
    from kgtool.build import BuildResult
    from kgtool.describe import Sheet
    from kgtool.link import LinkResult
    from kgtool.output import LangCase, Prefixes
    from kgtool.push import PushReport
    from kgtool.query import DataSource, QueryText
    from kgtool.sparql_policy import QueryInfo
    from kgtool.stats import Stats
    from kgtool.validate import Report

Notify = Callable[[str], None]
Params = Mapping[str, Any]


class StaleGraphWarning(UserWarning):
    """The built graph is older than its sources; reads go on with it as it is."""


def _warn(message: str) -> None:
    warnings.warn(message, StaleGraphWarning, stacklevel=4)  # the caller of open()


def _project(project: Project | str | os.PathLike[str] | None) -> Project:
    return project if isinstance(project, Project) else locate(project)


# ------------------------------------------------------------------------ terms and values

def to_python(term: Any) -> Any:
    """A Python value for an RDF term: IRIs and strings as `str`, numbers as `int`, `Decimal`
    or `float`, booleans as `bool`, dates as `datetime.date`; other literals as their lexical
    form; a blank node as `_:id`; an unbound variable as None.

    >>> import pyoxigraph as ox
    >>> to_python(ox.Literal("2.60", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")))
    Decimal('2.60')
    >>> to_python(ox.NamedNode("https://w3id.org/kgtool/id/place/松江区"))
    'https://w3id.org/kgtool/id/place/松江区'
    """
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return term.value
    if kind == "BlankNode":
        return f"_:{term.value}"
    if kind != "Literal":
        return str(term)
    dt = term.datatype.value.rsplit("#", 1)[-1] if term.datatype else "string"
    value = term.value
    try:
        if dt in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                  "positiveInteger", "negativeInteger", "nonPositiveInteger", "gYear"):
            return int(value)
        if dt == "decimal":
            from decimal import Decimal  # noqa: PLC0415

            return Decimal(value)
        if dt in ("double", "float"):
            return float(value)
        if dt == "boolean":
            return value in ("true", "1")
        if dt == "date":
            import datetime  # noqa: PLC0415

            return datetime.date.fromisoformat(value)
    except ValueError:
        return value
    return value


class Row(tuple[Any, ...]):
    """One solution: RDF terms (None when unbound) by position or by variable name, like
    pyoxigraph's QuerySolution, but a plain tuple (picklable, comparable)."""

    variables: tuple[str, ...] = ()

    def __new__(cls, terms: Sequence[Any], variables: tuple[str, ...]) -> "Row":
        row = super().__new__(cls, terms)
        row.variables = variables
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self.variables.index(key.lstrip("?$")))
            except ValueError:
                raise KeyError(key) from None
        return tuple.__getitem__(self, key)

    def values(self) -> list[Any]:
        """The row as Python values (`to_python`)."""
        return [to_python(t) for t in self]

    def asdict(self) -> dict[str, Any]:
        """{variable: Python value} for the bound variables."""
        return {v: to_python(t) for v, t in zip(self.variables, self) if t is not None}

    def __reduce__(self) -> Any:  # picklable across the --timeout worker
        return (Row, (tuple(self), self.variables))


# ------------------------------------------------------------------------ results

class Result:
    """What a query returned; one subclass per query form (pyoxigraph's model):
    `Solutions` (SELECT), `Boolean` (ASK), `Triples` (CONSTRUCT, DESCRIBE).

    `serialize(format)` writes it in any format of its kind (`kgtool.formats`); `truncated`
    says a `limit` cut it; `notes` are one-line remarks about the query (never errors)."""

    form = ""
    kind: formats.Kind = formats.RESULTS
    default_format = "json"

    def __init__(self, lang: "LangCase", prefixes: "Prefixes", truncated: bool = False,
                 notes: Sequence[str] = ()) -> None:
        self.lang, self.prefixes, self.truncated, self.notes = lang, prefixes, truncated, list(notes)

    def fit_format(self, name: str | None, *, tty: bool = False) -> formats.Format:
        """The format `name` names, if it fits this result (UsageError otherwise); None gives
        the default (an aligned table on a terminal for SELECT/ASK, else TSV; Turtle for graphs)."""
        from kgtool import query as q  # noqa: PLC0415

        known = formats.lookup(q.choose_format(name, self.form, tty), kind=self.kind)
        assert known is not None  # choose_format returns a name of the table
        return known

    def write(self, out: TextIO, format: str | None = None, *, tty: bool = False) -> int:  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
        """Render onto a text stream; returns the number of rows or triples written."""
        raise NotImplementedError

    def serialize(self, format: str | None = None) -> bytes:  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
        """The result as UTF-8 bytes in `format` (default: SPARQL JSON results / Turtle)."""
        buf = io.StringIO(newline="")
        self.write(buf, format or self.default_format)
        return buf.getvalue().encode("utf-8")


class Solutions(Result):
    """SELECT results: `variables` (in the query's order; for `SELECT *`, order of first
    appearance) and `rows` of RDF terms. Iterating yields `Row`s."""

    form = "SELECT"

    def __init__(self, variables: Sequence[str], rows: Sequence[Sequence[Any]], lang: "LangCase",
                 prefixes: "Prefixes", truncated: bool = False, notes: Sequence[str] = ()) -> None:
        super().__init__(lang, prefixes, truncated, notes)
        self.variables = list(variables)
        names = tuple(self.variables)
        self.rows = [Row(r, names) for r in rows]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def values(self) -> list[dict[str, Any]]:
        """Every row as {variable: Python value} (unbound variables left out)."""
        return [r.asdict() for r in self.rows]

    def write(self, out: TextIO, format: str | None = None, *, tty: bool = False) -> int:  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
        from kgtool import output  # noqa: PLC0415

        fmt = self.fit_format(format, tty=tty)
        return output.write_select(out, fmt.name, self.variables, self.rows, self.lang, self.prefixes)

    def __repr__(self) -> str:
        return f"<Solutions {self.variables} {len(self.rows)} rows>"


class Boolean(Result):
    """ASK result: `value`, also the truth value of the object."""

    form = "ASK"

    def __init__(self, value: bool, lang: "LangCase", prefixes: "Prefixes",
                 notes: Sequence[str] = ()) -> None:
        super().__init__(lang, prefixes, False, notes)
        self.value = bool(value)

    def __bool__(self) -> bool:
        return self.value

    def write(self, out: TextIO, format: str | None = None, *, tty: bool = False) -> int:  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
        from kgtool import output  # noqa: PLC0415

        output.write_ask(out, self.fit_format(format, tty=tty).name, self.value)
        return 1

    def __repr__(self) -> str:
        return f"<Boolean {self.value}>"


class Triples(Result):
    """CONSTRUCT/DESCRIBE result: `triples` (pyoxigraph `Triple`s)."""

    form = "CONSTRUCT"
    kind = formats.RDF
    default_format = "turtle"

    def __init__(self, triples: Sequence[Any], lang: "LangCase", prefixes: "Prefixes",
                 truncated: bool = False, notes: Sequence[str] = ()) -> None:
        super().__init__(lang, prefixes, truncated, notes)
        self.triples = list(triples)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.triples)

    def __len__(self) -> int:
        return len(self.triples)

    def write(self, out: TextIO, format: str | None = None, *, tty: bool = False) -> int:  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
        from kgtool import output  # noqa: PLC0415

        fmt = formats.lookup(format, kind=formats.RDF) if format else None
        if fmt is not None and fmt.name not in output.GRAPH_FORMATS:
            # RDF/XML, TriG, N-Quads: pyoxigraph's serializer (sorted, so bytes are stable).
            import pyoxigraph as ox  # noqa: PLC0415

            ordered = sorted(self.triples, key=str)
            out.write((ox.serialize(ordered, format=fmt.rdf_format()) or b"").decode("utf-8"))
            return len(ordered)
        fmt = self.fit_format(format, tty=tty)
        return output.write_graph(out, fmt.name, self.triples, self.lang, self.prefixes)

    def __repr__(self) -> str:
        return f"<Triples {len(self.triples)}>"


# ------------------------------------------------------------------------ datasets

class Dataset:
    """RDF data to read: the built graph, files, a persistent store or a remote endpoint.

    Use the named constructors; data is loaded on the first query, once.

    >>> ds = Dataset.from_files("tests/fixtures/query/small.ttl")
    >>> len(ds.query("SELECT * WHERE { ?s a kg:Town }"))
    1
    """

    def __init__(self, *, sources: Sequence["DataSource"] = (), store_dir: str | os.PathLike[str] | None = None,
                 endpoint: str | None = None, graphs: Sequence[str] = (), auth: Any = None,
                 timeout: float = 60.0, log: Notify | None = None) -> None:
        self.sources = list(sources)
        self.store_dir = store_dir
        self.endpoint = endpoint
        self.graphs = list(graphs)
        self.auth, self.timeout, self.log = auth, timeout, log
        self._loaded: tuple[Any, "LangCase", bool] | None = None
        self.allow_remote_context = False  # JSON-LD @context documents (from_files)

    # --- constructors
    @classmethod
    def from_project(cls, project: Project | str | os.PathLike[str] | None = None, *,
                     on_stale: Notify | None = None) -> "Dataset":
        """The built graph (graph/songjiang.ttl) of a checkout, or the packaged one outside.

        Never rebuilds: a stale graph is read as it is and `on_stale` (default: a
        `StaleGraphWarning`) gets one line naming `kgtool build`."""
        from kgtool import query as q  # noqa: PLC0415

        return cls(sources=q.default_sources(_project(project), notify=on_stale or _warn))

    @classmethod
    def from_files(cls, *paths: str | os.PathLike[str], format: str | None = None,  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
                   with_graph: bool = False, project: Project | str | os.PathLike[str] | None = None,
                   on_stale: Notify | None = None, stdin: bytes | None = None,
                   allow_remote_context: bool = False) -> "Dataset":
        """RDF files (format from each extension, or `format` for all of them; `-` reads
        `stdin`), with the built graph too when `with_graph`. JSON-LD files may load the
        `@context` documents they name only with `allow_remote_context` (else PolicyError)."""
        from kgtool import query as q  # noqa: PLC0415

        sources = []
        for path in paths:
            src = q.DataSource(str(path), format)
            if str(path) == "-":
                if not format:
                    raise UsageError("--data - (stdin) needs --data-format", source="--data")
                src.content = stdin if stdin is not None else b""
            sources.append(src)
        if with_graph or not sources:
            sources = q.default_sources(_project(project), notify=on_stale or _warn) + sources
        dataset = cls(sources=sources)
        dataset.allow_remote_context = allow_remote_context
        return dataset

    @classmethod
    def from_store(cls, directory: str | os.PathLike[str]) -> "Dataset":
        """A persistent store made by `kgtool load` (read-only; its graphs queried as one)."""
        return cls(store_dir=directory)

    @classmethod
    def from_endpoint(cls, url: str, *, graphs: Sequence[str] | None = None, auth: Any = None,
                      timeout: float = 60.0, log: Notify | None = None) -> "Dataset":
        """A remote SPARQL 1.1 endpoint. Queries are scoped to `graphs` (default: the pushed
        dataset's union graph, kgtool.dataset.UNION_GRAPH; `[]` for the endpoint's own default
        graph). Credentials come from the environment or netrc (`kgtool.remote.Auth.from_env`)
        unless `auth` is given."""
        from kgtool.dataset import UNION_GRAPH  # noqa: PLC0415 - the pushed dataset's union

        return cls(endpoint=url, graphs=[UNION_GRAPH] if graphs is None else graphs,
                   auth=auth, timeout=timeout, log=log)

    def __repr__(self) -> str:
        where = self.endpoint or (str(self.store_dir) if self.store_dir else
                                  ", ".join(s.path for s in self.sources))
        return f"<Dataset {where}>"

    # --- loading
    def _open(self) -> tuple[Any, "LangCase", bool]:
        """(pyoxigraph store, language-tag spellings, query default graph as union)."""
        if self.endpoint is not None:
            raise UsageError("a remote endpoint has no local store", source=self.endpoint)
        if self._loaded is None:
            if self.store_dir is not None:
                from kgtool import store as kstore  # noqa: PLC0415 - pyoxigraph only

                self._loaded = kstore.open_for_query(self.store_dir)
            else:
                from kgtool import inputcheck, query as q  # noqa: PLC0415

                with inputcheck.remote_contexts(self.allow_remote_context):
                    self._loaded = q.load_store(self.sources)
        return self._loaded

    # --- reading
    def query(self, query: "str | QueryText", *, params: Params | Sequence[str] | None = None,
              limit: int | None = None, timeout: float | None = None,
              allow_service: bool = False, allow_from: bool = False,
              project: Project | None = None) -> Result:
        """Run a read-only SPARQL query (text, or a bundled name such as `cq01`).

        `params` binds variables before the query runs ({"s": "<place/松江区>"}: values in
        `kgtool query --param` syntax, or pyoxigraph terms). `limit` keeps at most that many
        rows/triples (`truncated` says it cut); `timeout` stops a local query after that many
        seconds (`QueryTimeout`; the network timeout for an endpoint). Updates are refused,
        SERVICE and FROM too unless allowed (`PolicyError`).

        >>> ds = Dataset.from_files("tests/fixtures/query/small.ttl")
        >>> r = ds.query("SELECT * WHERE { ?t a kg:Town ; skos:prefLabel ?name }")
        >>> r.variables, r.values()
        (['t', 'name'], [{'t': 'https://w3id.org/kgtool/id/place/洞泾镇', 'name': '洞泾镇'}])
        """
        from kgtool import query as q  # noqa: PLC0415

        text = query if not isinstance(query, str) else q.resolve_query(query, None, project)
        if self.endpoint is not None:
            return self._remote(text, limit=limit, allow_service=allow_service,
                                allow_from=allow_from, timeout=timeout)
        info = q.prepare(text, allow_service=allow_service, allow_from=allow_from)
        notes = query_notes(text, info)
        q.parse_params(params or (), info)  # usage errors before any data is loaded
        if timeout is not None:
            return q.call_with_timeout(
                lambda: self._local(text, info, params, limit, notes), timeout)
        return self._local(text, info, params, limit, notes)

    def _local(self, text: "QueryText", info: "QueryInfo", params: Any, limit: int | None,
               notes: list[str]) -> Result:
        import pyoxigraph as ox  # noqa: PLC0415

        from kgtool import output, query as q  # noqa: PLC0415

        lang = output.LangCase()
        lang.add_from_text(text.text)
        subs = q.parse_params(params or (), info, lang)
        store, seen, union = self._open()
        lang.merge(seen)
        raw = q.execute(store, text, subs, union)
        if text.needs:
            notes = notes + q.missing_references(store, text, union)
        prefixes = output.Prefixes(info.prefixes)
        try:
            if isinstance(raw, ox.QueryBoolean):
                return Boolean(bool(raw), lang, prefixes, notes)
            if isinstance(raw, ox.QuerySolutions):
                variables = [v.value for v in raw.variables]
                order = q.select_order(info, variables)
                rows_iter = ([sol[i] for i in order] for sol in raw)
                rows, cut = output.limited(rows_iter, limit)
                return _cut(Solutions([variables[i] for i in order], list(rows), lang, prefixes,
                                      notes=notes), cut)
            triples, cut = output.limited(raw, limit)
            return _cut(Triples(list(triples), lang, prefixes, notes=notes), cut)
        except OSError as exc:
            from kgtool.errors import RemoteError  # noqa: PLC0415

            raise RemoteError(f"query failed: {exc}", source=text.source) from None

    def _remote(self, text: "QueryText", *, limit: int | None, allow_service: bool,
                allow_from: bool, timeout: float | None) -> Result:
        from kgtool import output, remote, sparql_policy  # noqa: PLC0415
        from kgtool import query as q  # noqa: PLC0415

        try:
            info = q.prepare(text, allow_service=allow_service, allow_from=allow_from)
        except RuntimeError:
            # The local engine rejected something a remote store may support (a vendor
            # function such as bif:contains): the policy passed, so let the store decide.
            info = sparql_policy.analyse(text.text, text.source)
        assert self.endpoint is not None
        raw = remote.query_endpoint(self.endpoint, text.text, info.form,
                                    default_graphs=self.graphs, auth=self.auth,
                                    timeout=timeout or self.timeout, log=self.log)
        lang = output.LangCase()
        lang.add_from_text(text.text)
        prefixes = output.Prefixes(info.prefixes)
        if isinstance(raw, bool):
            return Boolean(raw, lang, prefixes)
        if isinstance(raw, list):
            triples, cut = output.limited(raw, limit)
            return _cut(Triples(list(triples), lang, prefixes), cut)
        variables = [v.value for v in raw.variables]
        order = q.select_order(info, variables)
        rows, cut = output.limited(([s[i] for i in order] for s in raw), limit)
        return _cut(Solutions([variables[i] for i in order], list(rows), lang, prefixes), cut)

    def describe(self, term: str) -> "Sheet":
        """Everything the data says about one thing, with its source spans. TERM is an IRI
        (`<…>`, bare, or relative as tables print it: `<place/松江区>`), a prefixed name, a
        thing key (`place/松江区`) or a zh/en label.

        >>> sheet = open().describe("松江区")
        >>> sheet.iri
        'https://w3id.org/kgtool/id/place/松江区'
        """
        from kgtool import describe as de  # noqa: PLC0415

        store, _, _ = self._open()
        return de.sheet(store, de.resolve(store, term))

    def stats(self) -> "Stats":
        """Triples, classes, properties and facts per source; verified provenance share."""
        from kgtool import stats as st  # noqa: PLC0415

        store, _, _ = self._open()
        return st.compute(store)

    def stats_table(self) -> Solutions:
        """`stats()` as (section, item, value) rows, writable in every results format."""
        from kgtool import output, stats as st  # noqa: PLC0415

        variables, rows = st.rows(self.stats())
        return Solutions(variables, rows, self.lang, output.Prefixes())

    @property
    def lang(self) -> "LangCase":
        """Language-tag spellings as the data wrote them (to render terms the same way)."""
        return self._open()[1]


def _cut(result: Any, flag: list[bool]) -> Any:
    result.truncated = bool(flag[0])
    return result


def query_notes(text: "QueryText", info: "QueryInfo") -> list[str]:
    """One-line remarks about a query that is valid but probably wrong."""
    from kgtool import sparql_policy  # noqa: PLC0415

    trap = sparql_policy.lang_case_trap(info)
    if trap is None:
        return []
    return [f"note: {text.source}:{trap.line}:{trap.column}: the engine compares language tags "
            f"in lower case, so lang(...) = {trap.text} is never true; use "
            f"langMatches(lang(?x), {trap.text})"]


def named_queries(project: Project | str | os.PathLike[str] | None = None) -> Solutions:
    """The bundled named queries (name, title, description), as `kgtool queries` lists them.

    >>> "cq01" in [row["name"].value for row in named_queries()]
    True
    """
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import output, query as q  # noqa: PLC0415

    rows = [[ox.Literal(n.name), ox.Literal(n.title), ox.Literal(n.description)]
            for n in q.named_queries(_project(project))]
    return Solutions(["name", "title", "description"], rows, output.LangCase(), output.Prefixes())


def open(project: Project | str | os.PathLike[str] | None = None, *,  # noqa: A001 - like io.open
         on_stale: Notify | None = None) -> Dataset:
    """The built graph of the checkout (walking up from the current directory), or of
    `project`; never rebuilt (see `Dataset.from_project`)."""
    return Dataset.from_project(project, on_stale=on_stale)


# ------------------------------------------------------------------------ writing verbs

def build(project: Project | str | os.PathLike[str] | None = None, *,
          output: str | os.PathLike[str] | None = None,
          include_proposed: bool = False) -> "BuildResult":
    """Build graph/songjiang.ttl (or `output`) from the seed and the curated facts, validated
    with SHACL; `ValidationFailed` (with `.report`) and nothing written on violations."""
    import kgtool.build as build_mod  # noqa: PLC0415 - not `from kgtool import build`: that is this function

    return build_mod.build(_project(project), output=Path(output) if output else None,
                          include_proposed=include_proposed)


def is_stale(project: Project | str | os.PathLike[str] | None = None,
             graph: str | os.PathLike[str] | None = None) -> bool:
    """Whether the built graph (or `graph`) was built from other sources than today's."""
    from kgtool import staleness  # noqa: PLC0415

    return staleness.is_stale(_project(project), Path(graph) if graph else None)


def check_build(project: Project | str | os.PathLike[str] | None = None,
                graph: str | os.PathLike[str] | None = None) -> str:
    """`kgtool build --check`: the line saying the built graph (or `graph`) is up to date, with
    the sources' hash; ValidationFailed (exit 1) naming both hashes and the fix when it is stale.
    Reads only: nothing is built or written."""
    from kgtool import staleness  # noqa: PLC0415
    from kgtool.errors import ValidationFailed  # noqa: PLC0415

    proj = _project(project)
    path = Path(graph) if graph else proj.built_graph
    current = staleness.source_hash(proj)
    if staleness.is_stale(proj, path):
        recorded = staleness.recorded_hash(path) or "none"
        raise ValidationFailed(f"stale: built from {recorded}, sources are now {current}; run "
                               "`kgtool build`", source=_shown(proj, path))
    return f"{_shown(proj, path)}: up to date ({current})"


def coverage(project: Project | str | os.PathLike[str] | None = None, *,
             graph: str | os.PathLike[str] | None = None, source: str | None = None,
             on_note: Notify | None = None) -> list[Any]:
    """Which numbers and sentences of each source document no fact covers:
    [(source, CoverageReport, its text)], for every registered source or only `source`.

    The fact spans come from `graph`, else the built graph when it is up to date, else the
    facts as they are now (assembled, not validated; `on_note` is told so). Nothing is written."""
    from kgtool import build as build_mod, coverage as cov, io  # noqa: PLC0415

    proj = _project(project)
    if graph is not None:
        spans_from = io.parse_rdf(Path(graph))
    elif proj.built_graph.exists() and not build_mod.is_stale(proj):
        spans_from = io.parse_rdf(proj.built_graph, source=_shown(proj, proj.built_graph))
    else:
        (on_note or _warn)("note: graph/songjiang.ttl is missing or stale; using the facts as "
                           "they are now (not validated)")
        spans_from = build_mod.assemble(proj).graph
    return cov.check_sources(proj, spans_from, only=source)


def _shown(project: Project, path: Path) -> str:
    """A path relative to the project when it is inside it (shorter messages)."""
    try:
        return Path(path).resolve().relative_to(project.data_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def validate(data: Sequence[str | os.PathLike[str]] | Any = None, *,
             project: Project | str | os.PathLike[str] | None = None, strict: bool = False,
             allow_unsafe_shapes: bool = False, engine: str = "oxigraph",
             allow_remote_context: bool = False) -> "Report":
    """Validate RDF files (default: the built graph) or an rdflib Graph with the project's
    SHACL shapes; the `Report` lists findings (`report.ok(strict)` decides success).
    JSON-LD files may load the `@context` documents they name only with `allow_remote_context`.

    The one validation entry point: `kgtool validate` and the tests call it."""
    from kgtool import validate as va  # noqa: PLC0415

    proj = _project(project)
    if data is None:
        data = [proj.built_graph]
    elif isinstance(data, (str, os.PathLike)):
        data = [data]
    from kgtool import inputcheck  # noqa: PLC0415

    with inputcheck.remote_contexts(allow_remote_context):
        return va.validate(data, proj, strict=strict, allow_unsafe_shapes=allow_unsafe_shapes,
                           engine=engine)


def link(project: Project | str | os.PathLike[str] | None = None, *,
         cache: str | os.PathLike[str] | None = None) -> "LinkResult":
    """Match the curated facts' places and industries to the imported reference graphs
    (`kgtool import-reference`); nothing is written (`kgtool.link.render` gives the bytes)."""
    from kgtool import link as lk  # noqa: PLC0415
    from kgtool.reference.common import cache_dir  # noqa: PLC0415

    proj = _project(project)
    store = cache_dir(cache, project_root=proj.root)
    return lk.build_links(facts_graph(proj), store, proj.data_dir / "graph" / "mappings")


class LinkRun:
    """What `update_links` did: the `result`, the two `files` ({path: bytes}), the names of the
    files that were `stale` (missing or different), whether they were `written`, and the
    `report` text when asked for."""

    def __init__(self, result: "LinkResult", files: dict[Path, bytes], stale: list[str],
                 written: bool, report: str | None) -> None:
        self.result, self.files, self.stale, self.written, self.report = (
            result, files, stale, written, report)


def update_links(project: Project | str | os.PathLike[str] | None = None, *,
                 cache: str | os.PathLike[str] | None = None,
                 output_dir: str | os.PathLike[str] | None = None, date: str | None = None,
                 check: bool = False, report: bool = False) -> LinkRun:
    """`kgtool link`: match (`link`), render links.ttl and links.sssom.tsv for `output_dir`
    (default: the checkout's graph/) and write them atomically -- or, with `check`, write
    nothing and say which are stale. The mapping date is `date` (YYYY-MM-DD), else the one the
    SSSOM file records, else today. `report` adds the verdicts and gold-set scores."""
    import re  # noqa: PLC0415

    from kgtool import link as lk  # noqa: PLC0415
    from kgtool.reference.common import cache_dir  # noqa: PLC0415

    proj = _project(project)
    if output_dir is None and not proj.in_checkout:
        raise UsageError("outside a kgtool checkout, give --output-dir", source="link")
    if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise UsageError(f"--date {date!r} is not YYYY-MM-DD", source="--date")
    out = Path(output_dir) if output_dir else proj.data_dir / "graph"
    result = link(proj, cache=cache)
    files = lk.link_files(result, out, date)
    text = None
    if report:
        scores = lk.gold_scores(result.index, proj.root, cache_dir(cache, project_root=proj.root))
        text = lk.report(result, scores)
    stale = lk.stale_files(files)
    if not check:
        lk.write_files(files)
    return LinkRun(result, files, stale, not check, text)


def import_reference(kind: str, paths: Sequence[str | os.PathLike[str]] = (), *,
                     cache: str | os.PathLike[str] | None = None,
                     project: Project | str | os.PathLike[str] | None = None,
                     overrides: Mapping[str, str] | None = None, villages: bool = False,
                     tree: str | os.PathLike[str] | None = None,
                     corrections: str | os.PathLike[str] | None = None,
                     progress: Callable[[str, list[Path]], Any] | None = None
                     ) -> list[tuple[str, list[Path], Path, int]]:
    """Import reference datasets into the cache (never the checkout): `kind` is a registered
    importer (`kgtool.reference.IMPORTERS`) or "all" (each importer's default files, from the
    shared data folder). `paths` replace the default files of one kind; `overrides` (edition,
    retrieval, licence, source) its provenance. `progress(kind, inputs)`, when given, returns
    a context manager yielding a line-count callback (or None). Returns, per kind,
    (kind, inputs, graph file written, triples)."""
    import contextlib  # noqa: PLC0415

    from kgtool.reference import (IMPORTERS, ImportOptions, default_inputs,  # noqa: PLC0415
                                  given_inputs)
    from kgtool.reference import import_reference as run_import  # noqa: PLC0415
    from kgtool.reference.common import cache_dir  # noqa: PLC0415

    proj = _project(project)
    if kind != "all" and kind not in IMPORTERS:
        raise UsageError(f"unknown reference kind {kind!r}; expected all or one of "
                         f"{', '.join(IMPORTERS)}", source="import-reference")
    if kind == "all" and paths:
        raise UsageError("'all' imports the default files; give paths with a single KIND",
                         source="import-reference")
    store = cache_dir(cache, project_root=proj.root)
    data = proj.shared_dir / "data"
    done: list[tuple[str, list[Path], Path, int]] = []
    for k in (tuple(IMPORTERS) if kind == "all" else (kind,)):
        options = ImportOptions(overrides=dict(overrides) if overrides and kind != "all" else None,
                                villages=villages)
        if tree and k == "industry":
            from kgtool.reference.industry import default_corrections  # noqa: PLC0415

            options.tree = Path(tree)
            options.corrections = Path(corrections) if corrections else default_corrections(proj.root)
        inputs = given_inputs(k, [str(p) for p in paths], options) if paths else \
            default_inputs(k, data, options)
        with (progress(k, inputs) if progress else contextlib.nullcontext()) as on_lines:
            options.progress = on_lines
            target, n = run_import(k, inputs, store, options)
        done.append((k, inputs, target, n))
    return done


def facts_graph(project: Project) -> Any:
    """The curated facts as one rdflib Graph (what linking reads; the build is not needed)."""
    from rdflib import Graph  # noqa: PLC0415

    from kgtool.errors import InputError  # noqa: PLC0415
    from kgtool.io import parse_rdf  # noqa: PLC0415

    graph = Graph(bind_namespaces="none")
    if not project.fact_files:
        raise InputError("no fact files", source=str(project.facts_dir))
    for path in project.fact_files:
        parse_rdf(path, graph=graph)
    return graph


def export(what: str = "data", format: str = "turtle", *,  # noqa: A002 - `format`, as rdflib and pyoxigraph name it
           project: Project | str | os.PathLike[str] | None = None,
           output: str | os.PathLike[str] | None = None, data: Sequence[str] = (),
           store: str | os.PathLike[str] | None = None,
           on_stale: Notify | None = None,
           out: Callable[[bytes], object] | None = None,
           allow_remote_context: bool = False) -> bytes:
    """The data, ontology, shapes or all of them as RDF bytes (deterministic); written
    atomically to `output` when given. Never rebuilds the graph. With `out`, the bytes are
    streamed to `out(chunk)` (or to `output`) instead and b"" is returned: a big store is then
    never held in memory. JSON-LD `data` may load the `@context` documents it names only with
    `allow_remote_context`."""
    from kgtool import inputcheck  # noqa: PLC0415

    with inputcheck.remote_contexts(allow_remote_context):
        return _export(what, format, project=project, output=output, data=data, store=store,
                       on_stale=on_stale, out=out)


def _export(what: str, format: str, *, project: Project | str | os.PathLike[str] | None,  # noqa: A002 - as export's
            output: str | os.PathLike[str] | None, data: Sequence[str],
            store: str | os.PathLike[str] | None, on_stale: Notify | None,
            out: Callable[[bytes], object] | None) -> bytes:
    """`export` within its context permission."""
    from kgtool.export import atomic_output, write_export  # noqa: PLC0415
    from kgtool.export import export as export_bytes  # noqa: PLC0415

    fmt = formats.require(format, kind=formats.RDF,
                          allowed=("turtle", "nt", "trig", "nq", "jsonld", "rdfxml"))
    proj = _project(project)
    if not data and store is None and what in ("data", "all"):
        from kgtool import query as q  # noqa: PLC0415

        data = [s.path for s in q.default_sources(proj, notify=on_stale or _warn)]
    name = "xml" if fmt.name == "rdfxml" else fmt.name   # kgtool.export's name for RDF/XML
    output = Path(output) if output is not None else None
    store = Path(store) if store is not None else None
    if output is not None:
        # Never over the built graph or an input of this export (kgtool.outfile).
        chunks: list[bytes] = []
        with atomic_output(output, [*data, proj.built_graph]) as write:
            def keep(chunk: bytes) -> None:
                chunks.append(chunk)
                write(chunk)

            write_export(proj, what, name, write if out is not None else keep, data,
                         store_dir=store)
        return b"".join(chunks)
    if out is not None:
        write_export(proj, what, name, out, data, store_dir=store)
        return b""
    return export_bytes(proj, what, name, output, data, store_dir=store)


def push(*, endpoint: str, vendor: str = "generic", data: Sequence[str] = (),
         store: str | os.PathLike[str] | None = None, graph: str | None = None,
         method: str = "auto", batch: int = 500, chunk: int = 50_000, verify: bool = True,
         delete: bool = False,
         timeout: float = 120.0, query_url: str | None = None, update_url: str | None = None,
         gsp_url: str | None = None, auth: Any = None, log: Notify | None = None,
         project: Project | str | os.PathLike[str] | None = None,
         on_stale: Notify | None = None, allow_remote_context: bool = False) -> "PushReport":
    """Send the built graph (or `data` files, or a `store`'s graphs) to a remote triple store,
    one named graph per source, and verify by counting; `delete` removes them instead.
    JSON-LD `data` may load the `@context` documents it names only with `allow_remote_context`."""
    from kgtool import inputcheck  # noqa: PLC0415

    with inputcheck.remote_contexts(allow_remote_context):
        return _push(endpoint=endpoint, vendor=vendor, data=data, store=store, graph=graph,
                     method=method, batch=batch, chunk=chunk, verify=verify, delete=delete,
                     timeout=timeout, query_url=query_url, update_url=update_url,
                     gsp_url=gsp_url, auth=auth, log=log, project=project, on_stale=on_stale)


def _push(*, endpoint: str, vendor: str, data: Sequence[str], store: str | os.PathLike[str] | None,
          graph: str | None, method: str, batch: int, chunk: int, verify: bool, delete: bool,
          timeout: float, query_url: str | None, update_url: str | None, gsp_url: str | None,
          auth: Any, log: Notify | None, project: Project | str | os.PathLike[str] | None,
          on_stale: Notify | None) -> "PushReport":
    """`push` within its context permission."""
    from kgtool import push as pu, remote as rm  # noqa: PLC0415

    if data and store is not None:
        raise UsageError("push either --data files or --store, not both", source="--store")
    auth = auth if auth is not None else rm.Auth.from_env(endpoint)
    target = pu.Target(endpoint, vendor, auth, query_url=query_url, update_url=update_url,
                       gsp_url=gsp_url)
    skolem = method == "update"
    sources: Iterable[Any]   # a store's graphs may be streamed one at a time
    if store is not None:
        sources = pu.sources_from_store(str(store), graph, skolem)
    else:
        paths = list(data)
        if not paths:
            from kgtool import query as q  # noqa: PLC0415

            paths = [s.path for s in q.default_sources(_project(project), notify=on_stale or _warn)]
        sources = pu.sources_from_files(paths, graph, skolem)
    if delete:
        client = rm.Client(auth, timeout, log)
        report = pu.PushReport()
        for src in sources:
            pu.delete_graph(client, target, src.graph, method)
            # and the temporary graph a push of this content that stopped midway left behind
            pu.delete_graph(client, target, pu.temp_graph(src), method)
            report.rows.append((src.graph, 0, -1, "delete"))
        return report
    return pu.push(sources, target, method=method, batch=batch, chunk=chunk, verify=verify,
                   timeout=timeout, auth=auth, log=log)


def load(files: Sequence[str], *, store: str | os.PathLike[str] | None = None,
         graph: str | None = None, default_graph: bool = False, format: str | None = None,  # noqa: A002 - as rdflib and pyoxigraph name it
         append: bool = False, on_bytes: Callable[[int], Any] | None = None,
         allow_remote_context: bool = False) -> Any:
    """`kgtool load`: bulk-load RDF files into a persistent store (`store`, default
    $KGTOOL_STORE; created if missing), each file into its own named graph unless `graph` or
    `default_graph`; loading a file again replaces its graph unless `append`. The whole load
    lands or none of it (kgtool.atomic_load). Returns the `store.LoadSummary`."""
    from kgtool import store as kstore  # noqa: PLC0415

    directory = kstore.store_dir(store)
    if directory is None:
        raise UsageError("no store: pass --store DIR or set KGTOOL_STORE", source="--store")
    summary = kstore.load_files(directory, list(files), graph=graph, default_graph=default_graph,
                                fmt=format, replace=not append, on_bytes=on_bytes,
                                allow_remote_context=allow_remote_context)
    summary.directory = directory
    return summary


def serve(*, data: Sequence[str] = (), store: str | os.PathLike[str] | None = None,
          project: Project | str | os.PathLike[str] | None = None,
          on_stale: Notify | None = None, on_start: Callable[[Any], Any] | None = None,
          **settings: Any) -> None:
    """`kgtool serve`: the read-only SPARQL endpoint and Linked Data pages, until SIGINT or
    SIGTERM. The data: `data` files, else the store (`store`, default $KGTOOL_STORE), else the
    built dataset (never rebuilt). `settings` are `kgtool.serve.ServeConfig`'s (host, port,
    timeout, row_cap, workers, ...); `on_start(server)` is called once it listens."""
    from kgtool import serve as sv, store as kstore  # noqa: PLC0415

    directory = None if data else kstore.store_dir(store)
    paths = list(data)
    if directory is None and not paths:
        dataset = Dataset.from_project(_project(project), on_stale=on_stale)
        paths = [s.path for s in dataset.sources]  # never rebuilt: serve only reads
    if directory is not None:
        kstore.open_store(directory, read_only=True)  # a clear error now, not in the workers
    where = project.root if isinstance(project, Project) else project  # workers get plain data
    cfg = sv.ServeConfig(data=paths, store=str(directory) if directory else None,
                         project=None if where is None else str(where), **settings)
    sv.serve_forever(sv.make_server(cfg), on_start)


def dump(directory: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None,
         data: Sequence[str] = (), part_size: int = 1_000_000, default_graph: str | None = None,
         project: Project | str | os.PathLike[str] | None = None,
         allow_remote_context: bool = False) -> dict[str, Any]:
    """`kgtool dump`: write the dataset (the built graph, `data` files, or a `store`, default
    $KGTOOL_STORE when no data is given) into `directory` as gzipped N-Quads parts with a
    manifest and bulk-load recipes (kgtool.dump); returns the manifest."""
    from kgtool import dump as dm, inputcheck, store as kstore  # noqa: PLC0415

    if data and store:
        raise UsageError("dump either --data files or --store, not both", source="--store")
    store_dir = kstore.store_dir(store) if not data else None
    proj = _project(project) if store_dir is None else None
    with inputcheck.remote_contexts(allow_remote_context):
        return dm.dump(str(directory), store_dir=store_dir, project=proj, data=data,
                       part_size=part_size, default_graph=default_graph)


def verify_dump(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """`kgtool dump --check`: the manifest of the dump in `directory`, every file checked
    against it (InputError naming the first that differs)."""
    from kgtool import dump as dm  # noqa: PLC0415

    return dm.verify(str(directory))


def publish(directory: str | os.PathLike[str], *, data: Sequence[str] = (),
            base: str = "https://w3id.org/kgtool/", row_cap: int = 10000,
            project: Project | str | os.PathLike[str] | None = None,
            on_stale: Notify | None = None, allow_remote_context: bool = False) -> Any:
    """`kgtool publish`: the web pages of `kgtool serve` as a static site in `directory`
    (kgtool.web.publish), from `data` files or the built dataset (never rebuilt)."""
    from kgtool import inputcheck, query as q  # noqa: PLC0415
    from kgtool.web import publish as pub  # noqa: PLC0415

    proj = _project(project)
    paths = list(data) or [s.path for s in q.default_sources(proj, notify=on_stale or _warn)]
    with inputcheck.remote_contexts(allow_remote_context):
        return pub.publish(str(directory), data=paths, ontology=proj.ontology, base=base,
                           exclusions=proj.exclusions, dataset=proj.data_dir / "graph" / "dataset.ttl",
                           row_cap=row_cap)


# ------------------------------------------------------------------------ sources and drafts

def sources(project: Project | str | os.PathLike[str] | None = None) -> tuple[list[dict[str, Any]], list[Any]]:
    """The registered sources (seeds/sources.toml) as records: every metadata field, `default`,
    `facts` (number of facts files) and `checksum` ("ok", "missing" or "CHANGED"), plus the
    InputErrors of the files that are missing or changed (empty when all is well).

    >>> rows, problems = sources()
    >>> rows[0]["key"], rows[0]["checksum"], problems
    ('songjiang-advanced-manufacturing', 'ok', [])
    """
    from kgtool import sources as src_mod  # noqa: PLC0415
    from kgtool.errors import InputError  # noqa: PLC0415

    proj = _project(project)
    rows: list[dict[str, Any]] = []
    bad: list[Any] = []
    for src in src_mod.load(proj).sources:
        try:
            src_mod.read_text(proj, src)
            state = "ok"
        except InputError as err:
            state = "missing" if "no such file" in err.message else "CHANGED"
            bad.append(err)
        rows.append({**src.record(), "default": src.default, "checksum": state,
                     "facts": len(src.fact_files(proj))})
    return rows, bad


def add_source(file: str | os.PathLike[str], record: Mapping[str, Any], *,
               metadata: str | os.PathLike[str] | None = None,
               project: Project | str | os.PathLike[str] | None = None) -> Any:
    """Register `file` as a source: copy it into seeds/ and record it in seeds/sources.toml.
    `record` (title, key, file, published, ...) overrides the `metadata` TOML file's fields;
    a title is required. Returns the new `sources.Source`; nothing is written on an error."""
    from kgtool import sources as src_mod  # noqa: PLC0415

    fields = dict(src_mod.metadata_from_file(Path(metadata))) if metadata is not None else {}
    fields.update({k: v for k, v in record.items() if v is not None})
    if not fields.get("title"):
        raise UsageError("give --title (or a --metadata record with a title)", source="source add")
    return src_mod.add(_project(project), Path(file), fields)


def conflicts(project: Project | str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """The statistics whose sources disagree: one record per (indicator, area, period, unit),
    with every value, its rank (wikibase:rank), why, its sources and their quotes. Read from the
    facts as they are now (assembled; nothing is written)."""
    from kgtool import statistics  # noqa: PLC0415
    from kgtool.build import assemble  # noqa: PLC0415 - the module's, not this module's build

    assembly = assemble(_project(project))
    graph = assembly.graph
    out: list[dict[str, Any]] = []
    for stat in statistics.conflicts(graph, assembly.registry):  # type: ignore[arg-type]  # assemble() sets it
        key = dict(zip(("indicator", "area", "period", "unit"),
                       (statistics.label(graph, k) for k in stat.key[:4])))
        values = [{"observation": str(v.observation).rsplit("/", 1)[-1], "value": v.shown,
                   "rank": v.rank, "reason": v.reason, "sources": v.sources,
                   "quotes": [q for _, q in statistics.quotes(graph, v.observation)]}
                  for v in stat.values]
        out.append({**key, "values": values})
    return out


def propose(source: str, *, project: Project | str | os.PathLike[str] | None = None,
            published: str | None = None, graph: bool = True,
            reference: str | os.PathLike[str] | bool = True,
            progress: Callable[[str, int, int], None] | None = None) -> Any:
    """A verified first draft (`propose.model.Draft`) of the facts of `source`, a registered
    key or a UTF-8 text file: names come from the built graph (unless `graph` is false) and the
    reference data (`reference`: True for the shared folders, a folder, or False). Offline and
    deterministic; `draft.turtle()` is the Turtle to review."""
    from kgtool.propose import default_inputs, propose_source  # noqa: PLC0415

    proj = _project(project)
    ref: Path | bool = reference if isinstance(reference, bool) else Path(reference)
    inputs = default_inputs(proj, graph=graph, reference=ref)
    return propose_source(proj, source, published=published, inputs=inputs, progress=progress)


def propose_diff(source: str, *, against: Sequence[str | os.PathLike[str]] = (),
                 project: Project | str | os.PathLike[str] | None = None,
                 **options: Any) -> tuple[Any, list[Any]]:
    """`propose`, then the proposals that add something over the curated facts in `against`
    (default: the built graph): (draft, added proposals)."""
    from kgtool.propose import compare  # noqa: PLC0415

    proj = _project(project)
    draft = propose(source, project=proj, **options)
    graphs = [Path(p) for p in against] or ([proj.built_graph] if proj.built_graph.is_file() else [])
    return draft, compare.additions(draft, compare.load_curated(graphs))


__all__ = ["Boolean", "Dataset", "Result", "Row", "Solutions", "StaleGraphWarning", "Triples",
           "LinkRun", "add_source", "build", "conflicts", "coverage", "dump", "export", "facts_graph",
           "import_reference", "is_stale", "link", "load", "named_queries", "open", "propose",
           "propose_diff", "publish", "push", "query_notes", "serve", "sources", "to_python",
           "update_links", "validate", "verify_dump"]
