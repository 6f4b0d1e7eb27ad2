"""A persistent pyoxigraph (RocksDB) store: load large data once, query it many times.

Why: `kgtool query` parses its input files on every run, which is fine for the article's graph and
too slow for national reference data with millions of triples. `--store DIR` (or `$KGTOOL_STORE`)
keeps the parsed data on disk; `kgtool load` fills it with pyoxigraph's bulk loader, which writes
sorted files directly and is the fastest path the engine offers (bench/store_load.py compares the
two side by side).

Layout: each loaded file goes into its own named graph (its `file://` IRI, or `--graph IRI`), so a
file can be replaced or pushed on its own; dataset formats (TriG, N-Quads) keep their own graphs.
Queries see the union of all graphs as the default graph, like `kgtool query` over several files.

What a store does not keep: lexical spelling. The engine stores values, so `"2.60"^^xsd:decimal`
comes back as `"2.6"` and `@zh-Hans` as `@zh-hans`. Language-tag case is restored from a side file
(`kgtool-store.json`, the tags as the loaded files wrote them); number spelling is not. Exports
from a store therefore keep values, not necessarily their spelling (docs/server.md).
"""
from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgtool import inputcheck
from kgtool.errors import InputError, UsageError

UNION_GRAPH = "https://w3id.org/kgtool/graph/union"   # = kgtool.dataset.UNION_GRAPH
STORE_ENV = "KGTOOL_STORE"
META_NAME = "kgtool-store.json"


def store_dir(option: str | os.PathLike[str] | None) -> Path | None:
    """The store to use: the `--store` option, else `$KGTOOL_STORE`, else None (no store)."""
    value = option if option is not None else os.environ.get(STORE_ENV) or None
    return Path(value) if value else None


def rdf_format(path: str, fmt: str | None = None) -> Any:
    """The pyoxigraph format for `path` (from `fmt`, else the extension); UsageError if unknown.
    Names and extensions are those of the one format table (kgtool.formats, kgtool.oxreader)."""
    from kgtool import oxreader  # noqa: PLC0415 - pyoxigraph + stdlib, as here

    return oxreader.rdf_format(path, fmt)


def file_graph_iri(path: str | os.PathLike[str]) -> str:
    """The named graph a file is loaded into by default: its absolute `file://` IRI (as Jena's
    `--namedGraph` names it), stable for a given path and unambiguous across folders."""
    return Path(path).resolve().as_uri()


# ------------------------------------------------------------------------ metadata

def read_meta(directory: Path) -> dict[str, Any]:
    """The side file: language tags as written, and what was loaded into which graph."""
    try:
        return json.loads((directory / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"langtags": {}, "graphs": {}}


def _write_meta(directory: Path, meta: dict[str, Any]) -> None:
    tmp = directory / (META_NAME + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, directory / META_NAME)


def lang_case(directory: Path) -> Any:
    """A `kgtool.output.LangCase` that restores the tags as the loaded files wrote them."""
    from kgtool.output import LangCase  # noqa: PLC0415

    return LangCase(read_meta(directory).get("langtags", {}).values())


# ------------------------------------------------------------------------ opening

def open_store(directory: str | os.PathLike[str], *, read_only: bool = False,
               create: bool = False) -> Any:
    """Open the store at `directory`. Read-only opens need an existing store; a missing store is
    an InputError (exit 3) unless `create`."""
    path = Path(directory)
    if not create and not (path / "CURRENT").is_file():
        raise InputError("no kgtool store here; create one with `kgtool load --store DIR FILE...`",
                         source=str(path))
    try:
        if read_only:
            return ox.Store.read_only(str(path))
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as exc:
        msg = " ".join(str(exc).split())
        if "lock" in msg.lower():
            msg = ("the store is in use by another kgtool process (a running `load` or `serve`?); "
                   + msg)
        raise InputError(f"cannot open store: {msg}", source=str(path)) from None


class UnionView:
    """A store whose default graph is the union of all its graphs, for code that calls
    `store.query(text, prefixes=...)` without `use_default_graph_as_union` (`kgtool.stats`,
    `kgtool.describe`): files loaded one per named graph are then queried as one graph, exactly
    as `kgtool query --data a.ttl --data b.ttl` sees them. An explicit dataset (`default_graph`)
    or an explicit `use_default_graph_as_union` from the caller wins."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._union: bool | None = None

    def query(self, query: str, **kwargs: Any) -> Any:
        if "default_graph" not in kwargs or kwargs["default_graph"] is None:
            kwargs.pop("default_graph", None)
            if self._union is None:
                from kgtool import dataset  # noqa: PLC0415 - names only

                self._union = dataset.has_union(self.store)
            if self._union:
                # The materialised union (kgtool.dataset): set semantics, unlike the engine's.
                kwargs.pop("use_default_graph_as_union", None)
                kwargs["default_graph"] = [ox.NamedNode(UNION_GRAPH)]
            else:
                kwargs["use_default_graph_as_union"] = True
        return self.store.query(query, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.store)

    def __len__(self) -> int:
        return len(self.store)


def open_for_query(directory: str | os.PathLike[str]) -> tuple[Any, Any, bool]:
    """(store, LangCase, union) for the query path: the same triple `kgtool.query.load_store`
    returns, so `run_query`, `stats` and `describe` work unchanged on a store. The default graph
    is the union of all graphs (union=True, and the store is a `UnionView`), as when querying
    several files."""
    directory = Path(directory)
    return UnionView(open_store(directory, read_only=True)), lang_case(directory), True


def graphs(directory: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """The named graphs in the store with their triple counts (`(\"\", n)` for the default graph);
    not the materialised union (`graph/union`, kgtool.dataset), which is derived from them."""
    st = open_store(directory, read_only=True)
    out = []
    for row in st.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g "
                        "ORDER BY ?g"):
        if row["g"].value != UNION_GRAPH:
            out.append((row["g"].value, int(row["n"].value)))
    n_default = int(next(iter(st.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
    if n_default:
        out.insert(0, ("", n_default))
    return out


def quads(directory: str | os.PathLike[str], graph: str | None = None) -> Iterator[Any]:
    """Every quad (or those of one named graph), for export and push; without a graph, not the
    materialised union (`graph/union`), which repeats the others."""
    st = open_store(directory, read_only=True)
    g = ox.NamedNode(graph) if graph else None
    found = st.quads_for_pattern(None, None, None, g)
    if graph:
        return iter(found)
    return (q for q in found if getattr(q.graph_name, "value", None) != UNION_GRAPH)


def dump_nquads(directory: str | os.PathLike[str]) -> bytes:
    """The whole store as N-Quads, language tags restored, written by the engine (see
    `kgtool.export.stream_store`, which streams instead of returning bytes). Values are kept;
    lexical spelling of numbers is the engine's canonical one."""
    from kgtool.export import stream_store  # noqa: PLC0415

    chunks: list[bytes] = []
    stream_store(Path(directory), "nq", chunks.append)
    return b"".join(chunks)


def rdflib_graph(directory: str | os.PathLike[str]) -> Any:
    """All triples of the store (graphs merged, each once) as an rdflib Graph, for the writers
    that need one (JSON-LD, RDF/XML). Values as the store keeps them (canonical numbers), tags
    as the files wrote them."""
    from rdflib import Graph  # noqa: PLC0415

    from kgtool.export import stream_store  # noqa: PLC0415
    from kgtool.io import parse_rdf  # noqa: PLC0415

    chunks: list[bytes] = []
    stream_store(Path(directory), "nt", chunks.append)
    g = Graph(bind_namespaces="none")
    text = b"".join(chunks).decode("utf-8")
    if text.strip():
        parse_rdf(text, format="nt", source=str(directory), graph=g)
    return g


# ------------------------------------------------------------------------ loading

# One regex per syntax: a literal prefix lets `re` skip ahead fast (an alternation of the three
# is ~6x slower on a 100 MB file).
_TAG_RES = {
    "rdf": re.compile(rb'xml:lang=["\']([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})+)'),
    "jsonld": re.compile(rb'"@language"\s*:\s*"([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})+)'),
}
_TAG_DEFAULT = re.compile(rb'"@([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})+)')


def scan_file(path: str, fmt: Any) -> dict[str, str]:
    """Language tags written with capitals in the file (lower-case -> as written), by one fast
    regex pass over a memory map; PolicyError for an RDF/XML DOCTYPE (entity expansion: a
    "billion laughs" input never finishes loading). Kept apart from the load itself so the
    engine's bulk loader reads the file by path, in parallel, at full speed."""
    import mmap  # noqa: PLC0415

    from kgtool import oxreader  # noqa: PLC0415 - pyoxigraph + stdlib, as here

    ext = "rdf" if fmt == ox.RdfFormat.RDF_XML else (
        "jsonld" if fmt == ox.RdfFormat.JSON_LD else "")
    tags: dict[str, str] = {}
    with open(path, "rb") as fh:
        try:
            data: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            return tags
        try:
            oxreader.check_safe(data, fmt, path)   # the one reader's refusals, on the map
            for m in _TAG_RES.get(ext, _TAG_DEFAULT).finditer(data):
                tag = m.group(1).decode("ascii")
                if tag != tag.lower():
                    tags.setdefault(tag.lower(), tag)
        finally:
            data.close()
    return tags


class LoadSummary:
    """What `kgtool load` reports: triples (quads) added, seconds, per-graph counts, and the
    store folder (set by the caller that resolved it, `kgtool.api.load`)."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.triples = 0
        self.seconds = 0.0
        self.graphs: dict[str, int] = {}

    @property
    def rate(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else 0.0


def load_files(directory: str | os.PathLike[str], paths: Sequence[str], *, graph: str | None = None,
               default_graph: bool = False, fmt: str | None = None, replace: bool = True,
               on_bytes: Callable[[int], None] | None = None,
               allow_remote_context: bool = False) -> LoadSummary:
    """Bulk-load `paths` into the store at `directory` (created if missing).
    JSON-LD files may load the `@context` documents they name only with `allow_remote_context`
    (else PolicyError, exit 4).

    Each triple file goes into its own named graph (`file_graph_iri`), or all into `graph`, or into
    the default graph with `default_graph`. With `replace` (the default) a graph is cleared before
    its file is loaded again, so loading twice leaves the same state. TriG/N-Quads keep their own
    graphs. `on_bytes(n)` is called with each file's size when it is loaded (progress bars)."""
    if graph and default_graph:
        raise UsageError("--graph and --default-graph exclude each other", source="--graph")
    directory = Path(directory)
    plan = []
    for p in paths:
        if not Path(p).is_file():
            raise InputError("no such file" if not Path(p).exists() else "not a file", source=p)
        f = rdf_format(p, fmt)
        if f.supports_datasets and (graph or default_graph):
            raise UsageError(f"{p} holds named graphs of its own; --graph/--default-graph apply to "
                             "triple formats only", source=p)
        target = None if f.supports_datasets or default_graph else (graph or file_graph_iri(p))
        try:  # over-long lines, JSON-LD contexts: refused before the store is touched
            bom = inputcheck.preflight(p, jsonld=f == ox.RdfFormat.JSON_LD,
                                       allow_remote_context=allow_remote_context)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=p) from None
        plan.append((p, f, target, bom))
    # Atomic: the load runs in a child process on a checkpoint of the store, swapped in only
    # when complete (kgtool.atomic_load); the old store stays as it was until then.
    from kgtool import atomic_load  # noqa: PLC0415

    temps: list[str] = []
    try:
        named = []
        with inputcheck.remote_contexts(allow_remote_context):
            for p, f, target, bom in plan:
                path, fmt_, bom_ = _contexts_loaded(p, f, bom, temps)
                named.append((path, fmt_.media_type, target, bom_))
        return atomic_load.run(directory, "kgtool.store:_load_plan", (named, replace), on_bytes)
    finally:
        for temp in temps:
            os.unlink(temp)


def _contexts_loaded(path: str, fmt: Any, bom: bool, temps: list[str]) -> tuple[str, Any, bool]:
    """`(path, fmt, bom)` to bulk-load: with --allow-remote-context a JSON-LD file naming a
    `@context` document is read by rdflib here (kgtool.oxreader.with_contexts: the engine cannot
    load context documents) into a temporary N-Quads file, removed after the load."""
    if fmt != ox.RdfFormat.JSON_LD or not inputcheck.remote_contexts_allowed():
        return path, fmt, bom
    import tempfile  # noqa: PLC0415

    from kgtool.oxreader import read_bytes, with_contexts  # noqa: PLC0415

    data, new_fmt = with_contexts(read_bytes(path), fmt, path, Path(path).resolve().as_uri())
    if new_fmt == fmt:
        return path, fmt, bom
    handle, temp = tempfile.mkstemp(prefix="kgtool-jsonld-", suffix=".nq")
    temps.append(temp)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return temp, new_fmt, False


def _load_plan(directory: Path, named: list[tuple[str, str, str | None, bool]], replace: bool,
               on_bytes: Callable[[int], None] | None) -> LoadSummary:
    """Load a checked plan into the store at `directory` (in place; atomic_load's child)."""
    plan = [(p, ox.RdfFormat.from_media_type(m), target, bom) for p, m, target, bom in named]
    st = open_store(directory, create=True)
    meta = read_meta(directory)
    summary = LoadSummary()
    t0 = time.perf_counter()
    cleared: set[str] = set()
    fresh: set[str] = set()   # graphs cleared and not yet loaded into

    def cleared_now(g: str) -> bool:
        return g in fresh

    for p, f, target, bom in plan:
        to_graph = ox.NamedNode(target) if target else None
        if replace and target and target not in cleared:
            # Replace, not append: a re-load gives the same state. Only the first file for a
            # shared --graph clears it.
            if st.contains_named_graph(to_graph):
                st.clear_graph(to_graph)
            cleared.add(target)
            fresh.add(target)
        # After a clear the graph is empty: count only when appending.
        before = _count(st, target) if target and not (replace and target in cleared
                                                         and cleared_now(target)) else 0
        tags = scan_file(p, f)
        try:
            # By path: the engine then parses N-Triples/N-Quads in parallel (a Python file
            # object would be read sequentially, ~2 KB per call) -- unless a byte-order mark
            # must be skipped.
            if bom:
                with open(p, "rb") as handle:
                    handle.read(3)
                    st.bulk_load(input=handle, format=f, base_iri=Path(p).resolve().as_uri(),
                                 to_graph=to_graph)
            else:
                st.bulk_load(path=p, format=f, base_iri=Path(p).resolve().as_uri(),
                             to_graph=to_graph)
        except MemoryError:
            raise InputError("a token longer than the engine's 16 MiB buffer", source=p) from None
        except SyntaxError as exc:
            from kgtool.oxreader import syntax_error  # noqa: PLC0415 - the shared error form

            raise syntax_error(exc, p, path=p) from None
        except OSError as exc:
            raise InputError(f"cannot load: {' '.join(str(exc).split())}", source=p) from None
        meta.setdefault("langtags", {}).update(tags)
        if on_bytes:
            on_bytes(os.path.getsize(p))
        if target:
            fresh.discard(target)
            after = _count(st, target)
            n = after - before
            summary.graphs[target] = summary.graphs.get(target, 0) + n
            meta.setdefault("graphs", {})[target] = {"source": str(Path(p).resolve()),
                                                     "triples": after}
        else:
            n = -1
        summary.triples += max(n, 0)
    if any(t is None for _, _, t, _ in plan):
        # Dataset or default-graph loads: count what the store holds now.
        summary.triples = sum(n for g, n in _all_counts(st) if g != UNION_GRAPH)
    # The default graph queries see: every distinct triple once (kgtool.dataset), rebuilt after
    # every load so a replaced graph leaves nothing behind.
    from kgtool import dataset  # noqa: PLC0415 - names only

    dataset.materialize_union(st)
    st.flush()
    summary.seconds = time.perf_counter() - t0
    _write_meta(directory, meta)
    del st
    return summary


def _count(st: Any, graph: str | None) -> int:
    q = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}" if graph
         else "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(next(iter(st.query(q)))["n"].value)


def _all_counts(st: Any) -> list[tuple[str, int]]:
    rows = st.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    out = [(r["g"].value, int(r["n"].value)) for r in rows]
    out.append(("", _count(st, None)))
    return out


__all__ = ["STORE_ENV", "store_dir", "open_store", "open_for_query", "load_files", "graphs",
           "quads", "dump_nquads", "rdflib_graph", "UnionView", "lang_case", "file_graph_iri", "LoadSummary"]
