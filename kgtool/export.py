"""`kgtool export`: the data, the ontology and the shapes as Turtle, N-Triples, TriG, N-Quads,
JSON-LD or RDF/XML, each source in its own named graph where the format has graphs.

Why rdflib here (and not pyoxigraph as in `query`): export promises the values exactly as the
sources wrote them. pyoxigraph's store normalises literals (`"2.60"` -> `"2.6"`) and lowercases
language tags; rdflib, through `kgtool.io`'s lexical Turtle parser, keeps both. Export is not on
the start-up-critical path, so the import cost is acceptable.

Output is deterministic: Turtle via `kgtool.io.serialize_turtle` (sorted, fixed prefixes, `@base`
for things), N-Triples/N-Quads as sorted lines, TriG as one sorted Turtle block per graph.
Named graphs have stable IRIs under `https://w3id.org/kgtool/graph/`: `facts` (the article's
facts, our links, the source document and spans), `dataset/{key}` (one per reference dataset:
its description and the records derived from it), `ontology`, `shapes`.
"""
from __future__ import annotations

import io as _io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from kgtool import io as kio
from kgtool.errors import InputError, UsageError
from kgtool.namespaces import ID, PREFIXES
from kgtool.output import XSD_STRING, quote_string
from kgtool.project import Project

GRAPH_BASE = "https://w3id.org/kgtool/graph/"
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
    """The graphs to export. `data` (files) or `store_dir` (a persistent store, `kgtool.store`)
    replaces the built graph as the data when given. A store's graphs are merged and split by
    source like the built graph; its values are kept, their spelling is the engine's."""
    if what not in WHATS:
        raise UsageError(f"--what {what}: expected one of {', '.join(WHATS)}", source="--what")
    if data and store_dir is not None:
        raise UsageError("--store and --data exclude each other", source="--store")
    parts: list[Part] = []
    if what in ("data", "all"):
        if store_dir is not None:
            import kgtool.store  # noqa: PLC0415

            parts.extend(split_sources(kgtool.store.rdflib_graph(store_dir)))
        else:
            if data:
                paths: list[Path | str] = list(data)
            else:
                from kgtool.query import default_sources
                paths = [Path(s.path) for s in default_sources(project)]
            parts.extend(split_sources(_parse_all(paths)))
    for key, path in (("ontology", project.ontology), ("shapes", project.shapes)):
        if what in (key, "all"):
            if not path.is_file():
                raise InputError(f"no {key} file", source=str(path))
            parts.append(Part(key, GRAPH_IRIS[key], _parse_all([path])))
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


def _used_prefixes(graph: Graph) -> dict[str, str]:
    used: dict[str, str] = {}
    for t in graph:
        for term in t:
            if isinstance(term, URIRef) or hasattr(term, "datatype"):
                iri = str(term if isinstance(term, URIRef) else (term.datatype or ""))
                for p, ns in PREFIXES.items():
                    if iri.startswith(ns):
                        used[p] = ns
    return dict(sorted(used.items()))


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
            for line in text.splitlines():
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
    ordered = Graph(bind_namespaces="none")
    context = _used_prefixes(graph)
    for p, ns in context.items():
        ordered.bind(p, ns, override=True, replace=True)
    for t in sorted(graph, key=lambda t: tuple(x.n3() for x in t)):
        ordered.add(t)
    if fmt == "jsonld":
        text = ordered.serialize(format="json-ld", context=context, auto_compact=True, indent=1,
                                 sort_keys=True, ensure_ascii=False)
        json.loads(text)  # always valid JSON
        return text.encode("utf-8") if isinstance(text, str) else text
    ordered.bind("xml", "http://www.w3.org/XML/1998/namespace", override=True, replace=True)
    buf = _io.BytesIO()
    ordered.serialize(buf, format="xml", encoding="utf-8")
    return buf.getvalue()


def export(project: Project, what: str = "data", fmt: str = "turtle",
           output: str | Path | None = None, data: Sequence[str] = (),
           store_dir: str | Path | None = None) -> bytes:
    """Export; write atomically to `output` when given, and return the bytes."""
    payload = render(collect(project, what, data, store_dir), fmt)
    if output is not None:
        kio.atomic_write(output, payload)
    return payload
