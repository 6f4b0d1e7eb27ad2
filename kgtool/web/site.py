"""The read-only view of the graph that the web pages are made from.

A `Site` wraps one or more pyoxigraph stores (the served data, plus the ontology so that the
`def/` terms resolve too) and answers the small questions a page asks -- a node's outgoing and
incoming triples, its labels, types, spans and sources -- with `quads_for_pattern` lookups, which
are index scans of the node's neighbourhood: a page costs the same on the 4,500-triple built graph
as on a store of millions. Nothing here writes; the stores are opened read-only or are in-memory
copies. Per-source work that a page would repeat (sentence split, coverage) is memoised on the
Site instance (no module-level state).
"""
from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyoxigraph as ox

from kgtool import output
from kgtool.project import SEED_NAME
from kgtool.namespaces import PREFIXES
from kgtool.web import urls

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
SCHEMA_TEXT = ox.NamedNode(PREFIXES["schema"] + "text")
OA = PREFIXES["oa"]
HAS_SOURCE, HAS_SELECTOR = ox.NamedNode(OA + "hasSource"), ox.NamedNode(OA + "hasSelector")
OA_START, OA_END, OA_EXACT = ox.NamedNode(OA + "start"), ox.NamedNode(OA + "end"), ox.NamedNode(OA + "exact")
DERIVED = ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom")
LABEL_PROPS = [ox.NamedNode(PREFIXES[prefix] + local) for prefix, local in (
    ("skos", "prefLabel"), ("rdfs", "label"), ("foaf", "name"), ("dct", "title"), ("eli", "title"))]
ALT_LABEL = ox.NamedNode(PREFIXES["skos"] + "altLabel")
MATCH_PROPS = [PREFIXES["skos"] + m for m in ("exactMatch", "closeMatch", "broadMatch",
                                               "narrowMatch", "relatedMatch")] + \
              [PREFIXES["owl"] + "sameAs"]
AXIOM_SOURCE = ox.NamedNode(PREFIXES["owl"] + "annotatedSource")
AXIOM_TARGET = ox.NamedNode(PREFIXES["owl"] + "annotatedTarget")
AXIOM_PROPERTY = ox.NamedNode(PREFIXES["owl"] + "annotatedProperty")
LABEL_CACHE = 50_000
LANG_ORDER = {"zh-hans": 0, "zh": 1, "en": 2}


@dataclass(frozen=True)
class Span:
    """A curated span: `text[start:end] == exact` of source `source`."""

    iri: str
    source: str
    start: int
    end: int
    exact: str


@dataclass
class SourceInfo:
    """A source document: its text, the spans into it and the facts each span supports."""

    iri: str
    text: str
    spans: list[Span] = field(default_factory=list)
    facts: dict[str, list[str]] = field(default_factory=dict)   # span IRI -> fact IRIs


def _sort_term(t: Any) -> tuple[int, str, str]:
    if isinstance(t, ox.NamedNode):
        return (0, t.value, "")
    if isinstance(t, ox.BlankNode):
        return (1, t.value, "")
    return (2, t.value, (t.language or t.datatype.value))


class Site:
    """The graph as the pages see it. `base` is the IRI prefix mapped to the site root."""

    def __init__(self, stores: list[Any], lang: output.LangCase, *, base: str = urls.DEFAULT_BASE,
                 exclusions: Path | None = None,
                 default_source: str = Path(SEED_NAME).stem) -> None:
        self.stores, self.lang, self.base = stores, lang, base
        self.exclusions, self.default_source = exclusions, default_source
        self._lock = threading.Lock()
        self._labels: dict[Any, list[tuple[str, str]]] = {}
        self._sources: dict[str, SourceInfo] | None = None
        self._coverage: dict[str, Any] = {}

    # ---------------------------------------------------------------- triples
    def _quads(self, s: Any = None, p: Any = None, o: Any = None) -> Iterator[Any]:
        seen: set[tuple[Any, Any, Any]] = set()
        for st in self.stores:
            for q in st.quads_for_pattern(s, p, o, None):
                key = (q.subject, q.predicate, q.object)
                if key not in seen:   # the union of the graphs, each triple once
                    seen.add(key)
                    yield q

    def out(self, iri: str) -> list[tuple[Any, Any]]:
        """(predicate, object) of every triple about `iri`, sorted."""
        pairs = {(q.predicate, q.object) for q in self._quads(ox.NamedNode(iri))}
        return sorted(pairs, key=lambda po: (po[0].value, _sort_term(po[1])))

    def inc(self, iri: str, limit: int = 500) -> list[tuple[Any, Any]]:
        """(subject, predicate) of triples pointing at `iri` (at most `limit`), sorted."""
        pairs = []
        for q in self._quads(None, None, ox.NamedNode(iri)):
            pairs.append((q.subject, q.predicate))
            if len(pairs) >= limit:
                break
        return sorted(set(pairs), key=lambda sp: (sp[1].value, _sort_term(sp[0])))

    def triples_about(self, iri: str) -> list[Any]:
        """The RDF document of `iri`: its own triples, those of the blank nodes it points to
        (a Concise Bounded Description), and those of the spans it is derived from and their
        selectors, so a fact travels with its provenance. Blank nodes get stable labels."""
        node = ox.NamedNode(iri)
        triples = [q.triple for q in self._quads(node)]
        todo = [t.object for t in triples if isinstance(t.object, ox.BlankNode)]
        seen: set[Any] = set()
        while todo:
            b = todo.pop()
            if b in seen:
                continue
            seen.add(b)
            more = [q.triple for q in self._quads(b)]
            triples += more
            todo += [t.object for t in more if isinstance(t.object, ox.BlankNode)]
        for span in list(self.objects(node, DERIVED)):
            if isinstance(span, ox.NamedNode):
                triples += [q.triple for q in self._quads(span)]
                for sel in self.objects(span, HAS_SELECTOR):
                    triples += [q.triple for q in self._quads(sel)]
        return [ox.Triple(self.stable(t.subject), t.predicate, self.stable(t.object))
                for t in dict.fromkeys(triples)]

    def stable(self, term: Any) -> Any:
        """A blank node relabelled by its content (parsers label them at random), else `term`."""
        if not isinstance(term, ox.BlankNode):
            return term
        return ox.BlankNode(self.bnode_id(term))

    def bnode_id(self, b: Any, depth: int = 0) -> str:
        """`b` + a hash of the blank node's triples (nested blank nodes by their own hash, to a
        small depth): the same data gives the same label in every run."""
        import hashlib  # noqa: PLC0415

        parts = []
        for q in sorted(self._quads(b), key=lambda q: (q.predicate.value, _sort_term(q.object))):
            o = q.object
            if isinstance(o, ox.BlankNode):
                text = self.bnode_id(o, depth + 1) if depth < 3 else "[]"
            else:
                text = str(o)
            parts.append(f"{q.predicate} {text}")
        return "b" + hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]

    def objects(self, s: Any, p: Any) -> list[Any]:
        return sorted({q.object for q in self._quads(s, p)}, key=_sort_term)

    def subjects(self, p: Any, o: Any, limit: int | None = None) -> list[Any]:
        out: set[Any] = set()
        for q in self._quads(None, p, o):
            out.add(q.subject)
            if limit is not None and len(out) >= limit:
                break
        return sorted(out, key=_sort_term)

    def exists(self, iri: str) -> bool:
        """Is `iri` mentioned at all (as subject or object)? False for a string that is no IRI."""
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return False
        return any(True for _ in self._quads(node)) or any(True for _ in self._quads(None, None, node))

    # ---------------------------------------------------------------- labels and types
    def labels(self, node: Any) -> list[tuple[str, str]]:
        """(text, language tag as written) of the node's labels, zh-Hans first, then en."""
        if not isinstance(node, ox.NamedNode):
            return []
        cached = self._labels.get(node)
        if cached is not None:
            return cached
        found: list[tuple[str, str]] = []
        for prop in LABEL_PROPS:
            for o in self.objects(node, prop):
                if isinstance(o, ox.Literal):
                    found.append((o.value, self.lang(o.language) if o.language else ""))
            if found:
                break
        found.sort(key=lambda tl: (LANG_ORDER.get(tl[1].lower(), 3), tl[1], tl[0]))
        if len(self._labels) >= LABEL_CACHE:
            self._labels.clear()    # bounded: a long-running server on a big store stays flat
        self._labels[node] = found
        return found

    def label(self, node: Any) -> tuple[str, str]:
        """The best display label (zh-Hans, then en, then any) with its tag, or the CURIE."""
        labs = self.labels(node)
        if labs:
            return labs[0]
        if isinstance(node, ox.NamedNode):
            sp = self.span(node.value) if self.objects(node, HAS_SELECTOR) else None
            if sp is not None:      # a span is shown by the words it selects
                return f"“{sp.exact}”", ""
            if node.value.startswith(self.base):
                return node.value[len(self.base):], ""
            return urls.curie(node.value), ""
        return str(node), ""

    def types(self, iri: str) -> list[Any]:
        return self.objects(ox.NamedNode(iri), RDF_TYPE)

    # ---------------------------------------------------------------- links
    def local(self, iri: str) -> str | None:
        """The site path of an IRI under the base, else None."""
        return iri[len(self.base):] if iri.startswith(self.base) else None

    def doc_href(self, page: str, iri: str) -> str | None:
        """Link from `page` to the HTML document of `iri`: local under the base, the IRI itself
        for other http(s) IRIs (Wikidata...), None otherwise."""
        rest = self.local(iri)
        if rest is not None:
            return urls.rel(page, urls.doc_path(rest, "html"))
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    # ---------------------------------------------------------------- provenance
    def span(self, span_iri: str) -> Span | None:
        node = ox.NamedNode(span_iri)
        sources = [o for o in self.objects(node, HAS_SOURCE) if isinstance(o, ox.NamedNode)]
        start = end = None
        exact = ""
        for sel in self.objects(node, HAS_SELECTOR):
            for o in self.objects(sel, OA_START):
                start = int(o.value)
            for o in self.objects(sel, OA_END):
                end = int(o.value)
            for o in self.objects(sel, OA_EXACT):
                exact = o.value
        if not sources or start is None or end is None:
            return None
        return Span(span_iri, sources[0].value, start, end, exact)

    def spans_of(self, iri: str) -> list[Span]:
        """The curated spans `iri` was derived from, in text order."""
        spans = [self.span(o.value) for o in self.objects(ox.NamedNode(iri), DERIVED)
                 if isinstance(o, ox.NamedNode)]
        return sorted((s for s in spans if s is not None), key=lambda s: (s.source, s.start, s.end))

    def sources(self) -> dict[str, SourceInfo]:
        """Every source document in the graph: each node with a schema:text, and each
        oa:hasSource target (text empty when the graph lacks it). Built once, on first use."""
        with self._lock:
            if self._sources is None:
                self._sources = self._collect_sources()
            return self._sources

    def _collect_sources(self) -> dict[str, SourceInfo]:
        found: dict[str, SourceInfo] = {}
        for q in self._quads(None, SCHEMA_TEXT):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                found.setdefault(q.subject.value, SourceInfo(q.subject.value, q.object.value))
        span_nodes = {q.subject for q in self._quads(None, HAS_SOURCE)}
        for node in span_nodes:
            if not isinstance(node, ox.NamedNode):
                continue
            sp = self.span(node.value)
            if sp is None:
                continue
            info = found.setdefault(sp.source, SourceInfo(sp.source, ""))
            info.spans.append(sp)
            info.facts[sp.iri] = [s.value for s in self.subjects(DERIVED, node)
                                  if isinstance(s, ox.NamedNode)]
        for info in found.values():
            info.spans.sort(key=lambda s: (s.start, s.end, s.iri))
        return dict(sorted(found.items()))

    def coverage(self, source: str) -> Any:
        """kgtool.coverage's report for one source, its spans only (memoised)."""
        with self._lock:
            if source in self._coverage:
                return self._coverage[source]
        from rdflib import Graph, Literal, URIRef  # noqa: PLC0415 - only for coverage pages
        from rdflib.namespace import PROV  # noqa: PLC0415

        from kgtool import coverage as cov  # noqa: PLC0415

        info = self.sources()[source]
        g = Graph()
        for sp in info.spans:
            span, sel = URIRef(sp.iri), URIRef(sp.iri + "#position")
            for fact in info.facts.get(sp.iri, []) or [sp.iri]:
                g.add((URIRef(fact), PROV.wasDerivedFrom, span))
            g.add((span, URIRef(OA + "hasSelector"), sel))
            g.add((sel, URIRef(OA + "start"), Literal(sp.start)))
            g.add((sel, URIRef(OA + "end"), Literal(sp.end)))
        exclusions = self.exclusions if self.exclusions is not None else Path("/nonexistent")
        kwargs: dict[str, Any] = {}
        key = source.rsplit("/", 1)[-1]
        if key != self.default_source and "document" in inspect.signature(cov.check).parameters:
            kwargs["document"] = key    # that source's own entries of the exclusion file
        report = cov.check(info.text, g, exclusions, **kwargs)
        with self._lock:
            self._coverage[source] = report
        return report

    # ---------------------------------------------------------------- classes
    def class_counts(self) -> list[tuple[Any, int]]:
        """Every class with instances, with its count, most used first."""
        counts: dict[Any, int] = {}
        for q in self._quads(None, RDF_TYPE):
            counts[q.object] = counts.get(q.object, 0) + 1
        return sorted(((c, n) for c, n in counts.items() if isinstance(c, ox.NamedNode)),
                      key=lambda cn: (-cn[1], cn[0].value))

    def all_labelled(self) -> Iterable[tuple[Any, str, str]]:
        """(node, text, tag) of every label of every node, for the static label index."""
        for prop in LABEL_PROPS + [ALT_LABEL]:
            for q in self._quads(None, prop):
                if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                    tag = self.lang(q.object.language) if q.object.language else ""
                    yield q.subject, q.object.value, tag


def open_site(data: list[str], store_dir: str | None, *, ontology: Path | None,
              base: str = urls.DEFAULT_BASE, exclusions: Path | None = None) -> Site:
    """A Site over RDF files (loaded into memory) or a persistent store (opened read-only), with
    the ontology beside it. Raises KgtoolError for unreadable input."""
    from kgtool import query as q  # noqa: PLC0415

    if store_dir:
        from kgtool import store as kstore  # noqa: PLC0415

        store, lang, _ = kstore.open_for_query(store_dir)
        stores = [store.store if isinstance(store, kstore.UnionView) else store]
    else:
        store, lang, _ = q.load_store([q.DataSource(p) for p in data])
        stores = [store]
    if ontology is not None and ontology.is_file():
        onto, onto_lang, _ = q.load_store([q.DataSource(str(ontology))])
        stores.append(onto)
        lang.table = {**onto_lang.table, **lang.table}
    return Site(stores, lang, base=base, exclusions=exclusions)
