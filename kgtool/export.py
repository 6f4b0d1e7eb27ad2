"""`kgtool export`: the data, the ontology and the shapes as Turtle, N-Triples, TriG, N-Quads,
JSON-LD or RDF/XML, each source in its own named graph where the format has graphs.

Why rdflib here (and not pyoxigraph as in `query`): export promises the values exactly as the
sources wrote them. pyoxigraph's store normalises literals (`"2.60"` -> `"2.6"`) and lowercases
language tags; rdflib, through `kgtool.io`'s lexical Turtle parser, keeps both. Export is not on
the start-up-critical path, so the import cost is acceptable.

Output is byte-identical across runs and hash seeds (tests/test_bytes.py): Turtle via
`kgtool.io.serialize_turtle` (sorted, fixed prefixes, `@base` for things), N-Triples/N-Quads as
sorted lines, TriG as one sorted Turtle block per graph, JSON-LD and RDF/XML by
`kgtool.stable_rdf`; blank nodes get canonical labels (a hash of their content).

From a store (`--store`) the data is streamed by the engine (`kgtool.ntstream`): N-Triples,
N-Quads, Turtle and TriG keep up with pyoxigraph's own serializer and hold no copy of the data
(bench/export.py); the order is the engine's, which depends only on the content, and the
graphs are the store's own. JSON-LD and RDF/XML from a store still go through rdflib.
Named graphs have stable IRIs under `https://w3id.org/kgtool/graph/`: `facts` (the article's
facts, our links, the source document and spans), `dataset/{key}` (one per reference dataset:
its description and the records derived from it), `ontology`, `shapes`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from contextlib import contextmanager
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from kgtool import io as kio
from kgtool import formats, stable_rdf
from kgtool.errors import InputError, UsageError
from kgtool.namespaces import ID, PREFIXES
from kgtool.output import XSD_STRING, quote_string
from kgtool.project import Project

GRAPH_BASE = "https://w3id.org/kgtool/graph/"
UNION_GRAPH = GRAPH_BASE + "union"  # = kgtool.dataset.UNION_GRAPH: derived from the others
GRAPH_IRIS = {"facts": GRAPH_BASE + "facts", "ontology": GRAPH_BASE + "ontology",
              "shapes": GRAPH_BASE + "shapes"}
FORMATS = ("turtle", "nt", "trig", "nq", "jsonld", "xml")
WHATS = ("data", "ontology", "shapes", "all")


@dataclass
class Part:
    """One named graph of the export: its key (facts/ontology/shapes), IRI and content."""

    key: str
    iri: str
    graph: Graph


def _is_dataset_file(path: Path | str) -> bool:
    """Whether the file's format carries named graphs (TriG, N-Quads), by the format table."""
    fmt = formats.from_extension(str(path))
    return fmt is not None and fmt.datasets


def _parse_all(paths: Sequence[Path | str]) -> Graph:
    g = Graph(bind_namespaces="none")
    for p in paths:
        kio.parse_rdf(Path(p), graph=g)
    return g


REFERENCE_TYPES = ("http://rdfs.org/ns/void#Dataset", "http://www.w3.org/ns/dcat#Dataset")
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
VOID = "http://rdfs.org/ns/void#"
DCT_SOURCE = "http://purl.org/dc/terms/source"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def split_sources(graph: Graph) -> list[Part]:
    """The data graph as one part per source: the article's facts (with our links and the
    build's nodes), and one part per reference dataset (its description and every subject
    derived from it, e.g. the GB/T 4754 concepts), at `…/graph/dataset/{key}`.

    A reference dataset is a `void:Dataset`/`dcat:Dataset` under `…/id/dataset/` with an
    external `dct:source` that is not the subject side of a linkset (that is our own graph)."""
    ours = {str(o) for _, _, o in graph.triples((None, URIRef(VOID + "subjectsTarget"), None))}
    sourced = {str(s) for s, _, _ in graph.triples((None, URIRef(DCT_SOURCE), None))}
    refs = {str(s) for s, _, o in graph.triples((None, URIRef(RDF_TYPE), None))
            if str(o) in REFERENCE_TYPES and str(s).startswith(ID + "dataset/")
            and str(s) in sourced and str(s) not in ours}
    home: dict[str, str] = {r: r for r in refs}
    for s, _, o in graph.triples((None, URIRef(PROV_DERIVED), None)):
        if str(o) in refs and not str(s).startswith(ID + "link/"):
            home.setdefault(str(s), min(str(o), home.get(str(s), str(o))))
    parts: dict[str, Part] = {}
    for t in graph:
        ref = home.get(str(t[0]))
        key, iri = ("facts", GRAPH_IRIS["facts"]) if ref is None else \
            (ref, GRAPH_BASE + "dataset/" + ref[len(ID + "dataset/"):])
        if key not in parts:
            parts[key] = Part(key, iri, Graph(bind_namespaces="none"))
        parts[key].graph.add(t)
    return sorted(parts.values(), key=lambda p: p.iri)


def collect(project: Project, what: str, data: Sequence[str] = (),
            store_dir: str | Path | None = None) -> list[Part]:
    """The graphs to export, blank nodes canonically labelled. `data` (files) or `store_dir` (a
    persistent store, `kgtool.store`) replaces the built graph as the data when given. A
    store's graphs are merged and split by source like the built graph; its values are kept,
    their spelling is the engine's. The shapes are `ontology/shapes.ttl` plus the link shapes
    (`ontology/shapes-links.ttl`) when present."""
    _check_what(what, data, store_dir)
    parts: list[Part] = []
    if what in ("data", "all"):
        if store_dir is not None:
            import kgtool.store  # noqa: PLC0415

            parts.extend(split_sources(kgtool.store.rdflib_graph(store_dir)))
        else:
            paths = _data_paths(project, data)
            triples = [p for p in paths if not _is_dataset_file(p)]
            if triples:
                parts.extend(split_sources(_parse_all(triples)))
            for p in paths:
                if p not in triples:
                    parts.extend(dataset_parts(p))
    have = {p.iri for p in parts}
    parts.extend(p for p in _schema_parts(project, what) if p.iri not in have)
    return [Part(p.key, p.iri, stable_rdf.canonical(p.graph)) for p in parts]


def dataset_parts(path: Path | str) -> list[Part]:
    """One part per named graph of a TriG/N-Quads file (the built dataset, kgtool.dataset),
    lexical forms as written and tags as spelled; the materialised union graph is left out
    (it is derived from the others), default-graph triples are split by source.

    Read by the one reader (`kio.parse_rdf`): lexical forms and tag spellings as written."""
    from rdflib import Dataset  # noqa: PLC0415
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID  # noqa: PLC0415

    dataset = Dataset()
    kio.parse_rdf(Path(path), graph=dataset)
    graphs: dict[str, Graph] = {}
    for named in dataset.graphs():
        iri = "" if named.identifier == DATASET_DEFAULT_GRAPH_ID else str(named.identifier)
        if iri == UNION_GRAPH or not len(named):
            continue
        graphs[iri] = Graph(bind_namespaces="none")
        for triple in named:
            graphs[iri].add(triple)
    parts = split_sources(graphs.pop("")) if "" in graphs else []
    for iri in sorted(graphs):
        key = iri[len(GRAPH_BASE):] if iri.startswith(GRAPH_BASE) else iri
        parts.append(Part(key, iri, graphs[iri]))
    return parts


def _check_what(what: str, data: Sequence[str], store_dir: str | Path | None) -> None:
    if what not in WHATS:
        raise UsageError(f"--what {what}: expected one of {', '.join(WHATS)}", source="--what")
    if data and store_dir is not None:
        raise UsageError("--store and --data exclude each other", source="--store")


def _data_paths(project: Project, data: Sequence[str]) -> list[Path | str]:
    if data:
        return list(data)
    from kgtool.query import default_sources  # noqa: PLC0415

    return [Path(s.path) for s in default_sources(project)]


def _schema_parts(project: Project, what: str) -> list[Part]:
    parts = []
    for key, paths in (("ontology", [project.ontology]), ("shapes", project.shapes_files)):
        if what in (key, "all"):
            for path in paths:
                if not path.is_file():
                    raise InputError(f"no {key} file", source=str(path))
            parts.append(Part(key, GRAPH_IRIS[key], _parse_all(paths)))
    return parts


def _nt(term: object) -> str:
    """N-Triples for an rdflib term (rdflib's n3() writes \"\"\"long\"\"\" strings, not N-Triples)."""
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        text = quote_string(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and str(term.datatype) != XSD_STRING:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


def _nt_lines(graph: Graph, context: str | None = None) -> list[str]:
    suffix = f" <{context}> .\n" if context else " .\n"
    return [f"{_nt(s)} {_nt(p)} {_nt(o)}{suffix}" for s, p, o in graph]


def _merged(parts: Sequence[Part]) -> Graph:
    g = Graph(bind_namespaces="none")
    for part in parts:
        for t in part.graph:
            g.add(t)
    return g


def render(parts: Sequence[Part], fmt: str) -> bytes:
    """Serialise the parts in `fmt`; bytes, so `-o` can write them atomically."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}", source="--format")
    if fmt == "turtle":
        return kio.serialize_turtle(_merged(parts))
    if fmt == "nt":
        return "".join(sorted(set(_nt_lines(_merged(parts))))).encode("utf-8")
    if fmt == "nq":
        lines: list[str] = []
        for part in parts:
            lines.extend(_nt_lines(part.graph, part.iri))
        return "".join(sorted(set(lines))).encode("utf-8")
    if fmt == "trig":
        head: list[str] = []
        blocks: list[str] = []
        for part in sorted(parts, key=lambda p: p.iri):
            text = kio.serialize_turtle(part.graph).decode("utf-8")
            body = []
            for line in text.split("\n"):  # not splitlines(): U+2028 in a literal is no line end
                if line.startswith(("@base", "@prefix")):
                    if line not in head:
                        head.append(line)
                else:
                    body.append(line)  # not indented: that would alter multi-line literals
            while body and not body[0]:
                body.pop(0)
            blocks.append(f"<{part.iri}> {{\n" + "\n".join(body).rstrip() + "\n}\n")
        base = [h for h in head if h.startswith("@base")][:1]
        prefixes = sorted(h for h in head if h.startswith("@prefix"))
        return ("\n".join(base + prefixes) + "\n\n" + "\n".join(blocks)).encode("utf-8")
    graph = _merged(parts)
    if fmt == "jsonld":
        return stable_rdf.jsonld(graph, PREFIXES)
    return stable_rdf.rdfxml(graph, PREFIXES)


STREAMED = ("nt", "nq", "turtle", "trig")


def export(project: Project, what: str = "data", fmt: str = "turtle",
           output: str | Path | None = None, data: Sequence[str] = (),
           store_dir: str | Path | None = None) -> bytes:
    """Export and return the bytes; also write them atomically to `output` when given. For big
    stores use `write_export`, which streams instead of holding the result."""
    chunks: list[bytes] = []
    write_export(project, what, fmt, chunks.append, data, store_dir)
    payload = b"".join(chunks)
    if output is not None:
        kio.atomic_write(output, payload)
    return payload


def write_export(project: Project, what: str, fmt: str, out: Callable[[bytes], object],
                 data: Sequence[str] = (), store_dir: str | Path | None = None) -> None:
    """Export by calling `out(chunk)`; streamed from a store in the line-based formats and
    Turtle/TriG, rendered in memory otherwise."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}", source="--format")
    if store_dir is None or what not in ("data", "all") or fmt not in STREAMED:
        out(render(collect(project, what, data, store_dir), fmt))
        return
    _check_what(what, data, store_dir)
    extra = [Part(p.key, p.iri, stable_rdf.canonical(p.graph))
             for p in _schema_parts(project, what)]
    stream_store(store_dir, fmt, out, extra)


@contextmanager
def atomic_output(path: str | Path, protect: Sequence[str | Path] = ()
                  ) -> Iterator[Callable[[bytes], object]]:
    """A writer into a temp file beside `path`, renamed over it only when the block succeeds
    (an interrupted export leaves the old file and no temp file); devices, FIFOs and inputs
    are handled by kgtool.outfile.open_output, the one output helper."""
    from kgtool import outfile  # noqa: PLC0415

    with outfile.open_output(path, protect) as write:
        yield write


# ------------------------------------------------------------------------ streaming a store

def stream_store(store_dir: str | Path, fmt: str, out: Callable[[bytes], object],
                 extra: Sequence[Part] = ()) -> None:
    """The store's graphs (default graph first, then named graphs by IRI) in `fmt`, written by
    the engine graph by graph; then the `extra` parts (ontology, shapes). nt/turtle merge the
    graphs (each triple once); nq/trig keep them. Blank-node lines come last, relabelled."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import ntstream  # noqa: PLC0415
    from kgtool import store as kstore  # noqa: PLC0415

    st = kstore.open_store(store_dir, read_only=True)
    restore = ntstream.tag_restorer(kstore.read_meta(Path(store_dir)).get("langtags", {}))
    graphs: list[Any] = sorted((g for g in st.named_graphs() if g.value != UNION_GRAPH),
                               key=lambda g: str(g.value))
    if next(iter(st.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        graphs.insert(0, ox.DefaultGraph())
    extra_lines = [(p.iri, sorted(set(line.rstrip("\n") for line in _nt_lines(p.graph))))
                   for p in extra]
    merged = fmt in ("nt", "turtle")
    aside: list[tuple[str | None, list[str]]] = []
    turtle = None
    if fmt in ("turtle", "trig"):
        turtle = ntstream.TurtleLines(out, PREFIXES)
        out(turtle.header() + b"\n")
    for i, g in enumerate(graphs):
        name = None if isinstance(g, ox.DefaultGraph) else g.value
        emit: Callable[[bytes], object] = out
        if fmt == "nq" and name is not None:
            suffix = f" <{name}> .\n".encode("utf-8")

            def emit(b: bytes, suffix: bytes = suffix) -> object:
                return out(b.replace(b" .\n", suffix))
        elif turtle is not None:
            emit = turtle.feed
            if fmt == "trig" and name is not None:
                out(f"<{name}> {{\n".encode("utf-8"))
        lines = ntstream.dump_graph(st, g, emit, restore, skip=graphs[:i] if merged else None)
        if fmt == "trig" and turtle is not None:
            turtle.close()
            if name is not None:
                out(b"}\n")
        aside.append((name, lines))
    # Blank-node lines: labels from all of them at once (a node shared by graphs keeps one label).
    labels = ntstream.canonical_labels(ntstream.split_triple(line)
                                       for _, lines in aside for line in lines)

    def relabelled(lines: list[str]) -> list[str]:
        out_lines = set()
        for line in lines:
            s, p, o = ntstream.split_triple(line)
            out_lines.add(f"{labels.get(s, s)} {p} {labels.get(o, o)} .")
        return sorted(out_lines)

    blocks: list[tuple[str | None, list[str]]] = []
    if merged:
        blocks.append((None, relabelled([line for _, lines in aside for line in lines])))
    else:
        blocks.extend((name, relabelled(lines)) for name, lines in aside if lines)
    blocks.extend((iri if not merged else None, lines) for iri, lines in extra_lines)
    for name, lines in blocks:
        if not lines:
            continue
        body = ("\n".join(lines) + "\n").encode("utf-8")
        if fmt == "nt":
            out(body)
        elif fmt == "nq":
            out(body.replace(b" .\n", f" <{name}> .\n".encode("utf-8")) if name else body)
        elif turtle is not None:
            if fmt == "trig" and name is not None:
                out(f"<{name}> {{\n".encode("utf-8"))
            turtle.feed(body)
            turtle.close()
            if fmt == "trig" and name is not None:
                out(b"}\n")
    if turtle is not None:
        turtle.close()
