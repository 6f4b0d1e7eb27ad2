"""A Draft as Turtle in the project's modelling: a facts file a curator can edit and move.

Every node carries `kg:reviewStatus kg:Proposed` and `kg:confidence`; its evidence is written
the way curated facts write it, `kg:sourceQuote` (verified unique in the source), with the
code-point offsets `[start, end)` of each quote in the comment above the node.
"""
from __future__ import annotations

from kgtool.propose.model import Draft, Proposal, literal

PREFIXES = """@base <https://w3id.org/kgtool/id/> .
@prefix kg: <https://w3id.org/kgtool/def/> .
@prefix kgunit: <https://w3id.org/kgtool/def/unit/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix schema: <https://schema.org/> .
"""
_UNSAFE = set(' <>"{}|^`\\') | {chr(c) for c in range(0x21)}


def iri_ref(key: str) -> str:
    """`<type/key>` with the characters Turtle forbids in an IRI percent-encoded."""
    return "<" + "".join(f"%{ord(c):02X}" if c in _UNSAFE else c for c in key) + ">"


def _node(p: Proposal) -> str:
    spans = " ".join(f"[{s.start}, {s.end})" for s in p.spans)
    lines = [f"# {p.kind}, confidence {p.confidence:.2f}; quotes at {spans}"
             + (f"; {p.note}" if p.note else "")]
    head = iri_ref(p.key) + (f" a {' , '.join(p.classes)}" if p.classes and not p.existing else "")
    body = ["kg:reviewStatus kg:Proposed", f"kg:confidence {p.confidence:.2f}"]
    if not p.existing:                      # a known entity gets new quotes only
        for prop, values in p.props.items():
            body.append(f"{prop} " + " , ".join(_object(v) for v in values))
    body.append("kg:sourceQuote " + " ,\n        ".join(literal(s.clean, None) for s in p.spans))
    lines.append(head if p.existing else head + " ;")
    lines.append("    " + " ;\n    ".join(body) + " .")
    return "\n".join(lines)


def _object(value: str) -> str:
    """A relative IRI `<type/key>` made safe; anything else (CURIE, literal, full IRI) as is."""
    if value.startswith("<") and not value.startswith("<http"):
        return iri_ref(value[1:-1])
    return value


def turtle(draft: Draft) -> str:
    """The draft as Turtle text (deterministic: same draft, same bytes)."""
    head = [f"# Draft of <source/{draft.source_key}> written by `kgtool propose`: first-pass facts for a",
            "# curator. Every node is kg:reviewStatus kg:Proposed until accepted; `kgtool build`",
            "# refuses it in graph/facts/ unless run with --include-proposed (docs/propose.md).",
            f"# Publication date used for relative dates: {draft.published or 'none (today/今年 left unresolved)'}.",
            f"# {len(draft.proposals)} proposals; {len(draft.skipped)} candidates skipped (quote not unique).",
            "", PREFIXES]
    body = [_node(p) for p in draft.proposals]
    return "\n".join(head) + "\n" + "\n\n".join(body) + "\n"
