"""`kgtool stats`: what is in the graph, and how much of it is provably sourced.

Computed with pyoxigraph (fast start, SPARQL aggregates) over the same store `query` uses.
The result is one table of (section, item, value) rows so every result format of `query`
applies to it unchanged: sections `triples`, `class`, `property`, `source`, `provenance`.

"Verified provenance" is checked here, not trusted: a fact node counts as verified when one of
the spans it is derived from has a quote (`oa:exact`) equal to the slice of its source's full text
(`schema:text`) between the span's offsets, or when it is derived from a reference dataset
(`dcat:Dataset`, `void:Dataset`, `void:Linkset`). Fact nodes are the typed things under `…/id/`
except the build's own nodes (spans, selectors, the source document, periods, instants), per
docs/modelling.md, the dataset descriptions (`…/id/dataset/…`) and concept schemes (containers
of facts, not facts, as in the shapes).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from kgtool.namespaces import ID, PREFIXES

# The build's own nodes, and the descriptions of datasets (metadata about sources, not facts).
NON_FACT_TYPES = ("span/", "source/", "period/", "instant/", "dataset/")
P = PREFIXES


@dataclass
class Stats:
    triples: int
    classes: list[tuple[Any, int]]
    properties: list[tuple[Any, int]]
    per_source: list[tuple[Any, int]]
    fact_nodes: int
    verified: int

    @property
    def verified_share(self) -> float:
        return self.verified / self.fact_nodes if self.fact_nodes else 0.0


def is_fact_node(iri: str) -> bool:
    return iri.startswith(ID) and not iri[len(ID):].startswith(NON_FACT_TYPES)


def compute(store: Any) -> Stats:
    def q(text: str) -> list[Any]:
        return list(store.query(text, prefixes=PREFIXES))

    triples = int(q("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)
    classes = [(r["c"], int(r["n"].value)) for r in q(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) STR(?c)")]
    props = [(r["p"], int(r["n"].value)) for r in q(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) STR(?p)")]
    # Concept schemes are curation containers, as in the shapes (ontology/shapes.ttl, section 8):
    # their concepts are the facts.
    facts = {r["s"].value for r in q("SELECT DISTINCT ?s WHERE { ?s a ?c FILTER(isIRI(?s)) "
                                     "FILTER NOT EXISTS { ?s a skos:ConceptScheme } }")
             if is_fact_node(r["s"].value)}
    texts = {r["src"].value: r["text"].value for r in q(
        "SELECT ?src ?text WHERE { ?src schema:text ?text }")}
    good_span: dict[str, str] = {}
    for r in q("""SELECT ?span ?src ?start ?end ?exact WHERE {
                    ?span oa:hasSource ?src ; oa:hasSelector ?ps , ?qs .
                    ?ps oa:start ?start ; oa:end ?end . ?qs oa:exact ?exact }"""):
        text = texts.get(r["src"].value)
        try:
            start, end = int(r["start"].value), int(r["end"].value)
        except ValueError:
            continue
        if text is not None and text[start:end] == r["exact"].value:
            good_span[r["span"].value] = r["src"].value
    datasets = {r["d"].value for r in q(
        "SELECT DISTINCT ?d WHERE { ?d a ?t FILTER(?t IN (dcat:Dataset, void:Dataset, void:Linkset)) }")}
    per_source: dict[str, set[str]] = defaultdict(set)
    verified: set[str] = set()
    for r in q("SELECT ?f ?d WHERE { ?f prov:wasDerivedFrom ?d FILTER(isIRI(?f)) }"):
        f, d = r["f"].value, r["d"].value
        if f not in facts:
            continue
        if d in good_span:
            per_source[good_span[d]].add(f)
            verified.add(f)
        elif d in datasets:
            per_source[d].add(f)
            verified.add(f)
    src_rows = sorted(((s, len(v)) for s, v in per_source.items()), key=lambda x: (-x[1], x[0]))
    import pyoxigraph as ox
    return Stats(triples, classes, props, [(ox.NamedNode(s), n) for s, n in src_rows],
                 len(facts), len(verified))


def rows(stats: Stats) -> tuple[list[str], list[list[Any]]]:
    """(variables, rows) for the result writers."""
    import pyoxigraph as ox

    def num(n: int | float | str, dt: str = "integer") -> Any:
        return ox.Literal(str(n), datatype=ox.NamedNode(P["xsd"] + dt))

    out: list[list[Any]] = [[ox.Literal("triples"), ox.Literal("all"), num(stats.triples)]]
    out += [[ox.Literal("class"), c, num(n)] for c, n in stats.classes]
    out += [[ox.Literal("property"), p, num(n)] for p, n in stats.properties]
    out += [[ox.Literal("source"), s, num(n)] for s, n in stats.per_source]
    out += [[ox.Literal("provenance"), ox.Literal("fact nodes"), num(stats.fact_nodes)],
            [ox.Literal("provenance"), ox.Literal("with verified provenance"), num(stats.verified)],
            [ox.Literal("provenance"), ox.Literal("verified share"),
             num(f"{stats.verified_share:.4f}", "decimal")]]
    return ["section", "item", "value"], out
