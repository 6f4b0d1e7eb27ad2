"""What each page shows, as plain data for the templates (no HTML here).

Every function takes the `Site` and the page's own path (links are relative to it) and returns
a dict the matching template in `kgtool/web/templates/` renders. Text from the graph is passed
as-is: the templates escape it (Jinja2 autoescape) and `render.clean` makes control and bidi
characters visible.
"""
from __future__ import annotations

import bisect
from typing import Any

import pyoxigraph as ox

from kgtool.namespaces import PREFIXES
from kgtool.web import pictures, urls
from kgtool.web.site import (AXIOM_PROPERTY, AXIOM_SOURCE, AXIOM_TARGET, LABEL_PROPS, MATCH_PROPS,
                             RDF_TYPE, Site, SourceInfo, Span)

CONTEXT_CHARS = 40   # characters of context around a span when no sentence bounds are known
XSD = PREFIXES["xsd"]


def term(site: Site, page: str, t: Any) -> dict[str, Any]:
    """A term for display: text, language, link, the IRI, the datatype's CURIE."""
    if isinstance(t, ox.NamedNode):
        text, tag = site.label(t)
        return {"kind": "iri", "text": text, "lang": tag, "iri": t.value,
                "href": site.doc_href(page, t.value), "datatype": ""}
    if isinstance(t, ox.BlankNode):
        return {"kind": "bnode", "text": f"_:{site.bnode_id(t)}", "lang": "", "iri": "", "href": None,
                "datatype": ""}
    dt = "" if t.language or t.datatype.value == XSD + "string" else urls.curie(t.datatype.value)
    return {"kind": "literal", "text": t.value, "lang": site.lang(t.language) if t.language else "",
            "iri": "", "href": None, "datatype": dt}


def predicate(site: Site, page: str, p: Any) -> dict[str, Any]:
    text, tag = site.label(p)
    return {"curie": urls.curie(p.value), "iri": p.value, "label": text, "lang": tag,
            "href": site.doc_href(page, p.value)}


def documents(site: Site, page: str, iri: str) -> list[dict[str, str]]:
    """The RDF documents of a thing under the base, for the download links."""
    rest = site.local(iri)
    if rest is None:
        return []
    names = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples"}
    return [{"name": names[ext], "href": urls.rel(page, urls.doc_path(rest, ext)), "ext": ext}
            for ext in names]


def sentence_bounds(site: Site, info: SourceInfo) -> list[tuple[int, int]]:
    """(start, end) of the source's sentences, split by kgtool.coverage."""
    return [(s.start, s.end) for s in site.coverage(info.iri).sentences]


def excerpt(site: Site, page: str, sp: Span) -> dict[str, Any] | None:
    """The sentence(s) around a span, split into before / exact slice / after."""
    info = site.sources().get(sp.source)
    if info is None or not info.text:
        return None
    text = info.text
    lo, hi = max(0, sp.start - CONTEXT_CHARS), min(len(text), sp.end + CONTEXT_CHARS)
    bounds = sentence_bounds(site, info)
    over = [(a, b) for a, b in bounds if a < sp.end and sp.start < b]
    if over:
        lo, hi = min(over[0][0], sp.start), max(over[-1][1], sp.end)
    src_rest = site.local(sp.source)
    src_href = urls.rel(page, urls.doc_path(src_rest, "html")) if src_rest is not None else None
    return {"before": text[lo:sp.start], "exact": text[sp.start:sp.end], "after": text[sp.end:hi],
            "start": sp.start, "end": sp.end, "span": sp.iri, "source": sp.source,
            "source_title": site.label(ox.NamedNode(sp.source))[0],
            "source_href": src_href and f"{src_href}#{anchor(sp)}",
            "span_href": site.doc_href(page, sp.iri), "lang": _text_lang(site, sp.source)}


def _text_lang(site: Site, source: str) -> str:
    for o in site.objects(ox.NamedNode(source), ox.NamedNode(PREFIXES["dct"] + "language")):
        if isinstance(o, ox.Literal):
            return o.value
    return "zh-Hans"


def anchor(sp: Span) -> str:
    return f"span-{sp.start}-{sp.end}"


def entity(site: Site, page: str, iri: str) -> dict[str, Any]:
    """An entity page: labels, types, facts with their source words, properties, matches,
    incoming links and the neighbourhood picture."""
    node = ox.NamedNode(iri)
    out = site.out(iri)
    props: dict[str, dict[str, Any]] = {}
    for p, o in out:
        row = props.setdefault(p.value, {"p": predicate(site, page, p), "vals": []})
        row["vals"].append(term(site, page, o))
    matches = []
    for p, o in out:
        if p.value in MATCH_PROPS:
            matches.append({"p": predicate(site, page, p), "o": term(site, page, o),
                            "notes": _link_notes(site, page, node, p, o)})
    incoming = [{"s": term(site, page, s), "p": predicate(site, page, p)}
                for s, p in site.inc(iri)]
    facts = [e for e in (excerpt(site, page, sp) for sp in site.spans_of(iri)) if e]
    labels = [{"text": t, "lang": g} for t, g in site.labels(node)]
    alt = [term(site, page, o) for o in site.objects(node, ox.NamedNode(PREFIXES["skos"] + "altLabel"))]
    types = [dict(term(site, page, t), index=urls.rel(page, urls.class_page(t.value)))
             for t in site.types(iri)]
    members = site.subjects(RDF_TYPE, node, limit=1)
    instances = urls.rel(page, urls.class_page(iri)) if members else None
    return {"iri": iri, "labels": labels, "alt": alt, "types": types, "instances": instances,
            "title": site.label(node)[0], "facts": facts,
            "props": sorted(props.values(), key=_property_order),
            "matches": matches, "incoming": incoming, "docs": documents(site, page, iri),
            "picture": pictures.neighbourhood(site, page, iri)}


def _property_order(row: dict[str, Any]) -> tuple[int, str]:
    """rdf:type, then the labels, then the rest by their CURIE."""
    iri = row["p"]["iri"]
    first = 0 if iri == RDF_TYPE.value else 1 if any(iri == p.value for p in LABEL_PROPS) else 2
    return (first, row["p"]["curie"])


def _link_notes(site: Site, page: str, s: Any, p: Any, o: Any) -> list[dict[str, Any]]:
    """The owl:Axiom link nodes justifying the match s p o (confidence, justification, note)."""
    notes = []
    for ax in site.subjects(AXIOM_SOURCE, s):
        if o in site.objects(ax, AXIOM_TARGET) and p in site.objects(ax, AXIOM_PROPERTY):
            details = [{"p": predicate(site, page, ap), "o": term(site, page, ao)}
                       for ap, ao in site.out(ax.value)
                       if ap not in (AXIOM_SOURCE, AXIOM_TARGET, AXIOM_PROPERTY, RDF_TYPE)]
            notes.append({"axiom": term(site, page, ax), "details": details})
    return notes


def source(site: Site, page: str, iri: str) -> dict[str, Any]:
    """A source page: the whole text cut into sentences and segments; a segment inside a
    curated span links to it; sentences with no fact are marked (kgtool.coverage)."""
    info = site.sources()[iri]
    text = info.text
    report = site.coverage(iri) if text else None
    uncovered = {(s.start, s.end) for s in report.uncovered_sentences} if report else set()
    excluded = {(s.start, s.end) for s in report.excluded_sentences} if report else set()
    sentences = [(s.start, s.end) for s in report.sentences] if report else []
    cuts = {0, len(text)}
    for sp in info.spans:
        cuts.update((sp.start, sp.end))
    for a, b in sentences:
        cuts.update((a, b))
    cuts_sorted = sorted(c for c in cuts if 0 <= c <= len(text))
    starts = [a for a, _ in sentences]
    pieces: list[dict[str, Any]] = []   # runs of text: plain, or a sentence holding segments
    current: dict[str, Any] | None = None
    for a, b in zip(cuts_sorted, cuts_sorted[1:]):
        i = bisect.bisect_right(starts, a) - 1
        sent = sentences[i] if i >= 0 and sentences[i][0] <= a < sentences[i][1] else None
        inner = [sp for sp in info.spans if sp.start <= a and b <= sp.end]
        inner.sort(key=lambda sp: (sp.end - sp.start, sp.start))
        seg = {"text": text[a:b], "span": anchor(inner[0]) if inner else None,
               "depth": len(inner)}
        if sent is None:
            current = None
            pieces.append({"kind": "gap", "segments": [seg]})
            continue
        if current is None or current["bounds"] != sent:
            status = ("nofact" if sent in uncovered else "excluded" if sent in excluded else "fact")
            current = {"kind": "sentence", "bounds": sent, "status": status, "segments": []}
            pieces.append(current)
        current["segments"].append(seg)
    spans = []
    for sp in info.spans:
        facts = [term(site, page, ox.NamedNode(f)) for f in info.facts.get(sp.iri, [])]
        spans.append({"anchor": anchor(sp), "start": sp.start, "end": sp.end,
                      "exact": text[sp.start:sp.end] if text else sp.exact, "facts": facts,
                      "href": site.doc_href(page, sp.iri)})
    counts = {"sentences": len(sentences), "nofact": len(uncovered), "excluded": len(excluded),
              "spans": len(info.spans)}
    return {"iri": iri, "title": site.label(ox.NamedNode(iri))[0], "pieces": pieces,
            "spans": spans, "counts": counts, "lang": _text_lang(site, iri),
            "docs": documents(site, page, iri), "chart": pictures.statistics(site, page, info)}


def classes(site: Site, page: str) -> dict[str, Any]:
    rows = [dict(term(site, page, c), n=n, index=urls.rel(page, urls.class_page(c.value)),
                 curie=urls.curie(c.value)) for c, n in site.class_counts()]
    return {"classes": rows}


def class_index(site: Site, page: str, cls: Any, limit: int) -> dict[str, Any]:
    members = site.subjects(RDF_TYPE, cls, limit=limit + 1)
    rows = [term(site, page, m) for m in members[:limit]]
    rows.sort(key=lambda r: (r["text"], r["iri"]))
    return {"cls": dict(term(site, page, cls), curie=urls.curie(cls.value)), "members": rows,
            "truncated": len(members) > limit, "limit": limit}


def sources_list(site: Site, page: str) -> list[dict[str, Any]]:
    return [dict(term(site, page, ox.NamedNode(i)), spans=len(info.spans), chars=len(info.text))
            for i, info in site.sources().items()]


def label_index(site: Site, page: str, needle: str = "", limit: int = 2000) -> dict[str, Any]:
    """Labels (any language) containing `needle`, case-insensitively; all labels when empty."""
    low = needle.casefold()
    hits: dict[tuple[str, str, str], dict[str, Any]] = {}
    for node, text, tag in site.all_labelled():
        if low and low not in text.casefold():
            continue
        key = (text, tag, node.value)
        if key not in hits:
            hits[key] = {"text": text, "lang": tag, "iri": node.value,
                         "href": site.doc_href(page, node.value)}
    rows = [hits[k] for k in sorted(hits)]
    return {"q": needle, "rows": rows[:limit], "truncated": len(rows) > limit, "n": len(rows)}
