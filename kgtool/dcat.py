"""The part of the DCAT-AP / VoID description that the data decides, computed at build time.

graph/dataset.ttl holds what people decide (catalogue, publisher, licence, themes, distributions).
The build adds, from the assembled graph:

* VoID statistics of the *data*: `void:triples`, distinct subjects/objects, `void:classes`,
  `void:properties`, and one `void:classPartition` (`void:entities`) per class and one
  `void:propertyPartition` (`void:triples`) per property;
* `dct:temporal`: a `dct:PeriodOfTime` from the earliest to the latest `time:inXSDDate` of the time
  instants the facts refer to;
* `dct:spatial`: the reference areas (`sdmx-dimension:refArea`) of the observations, typed
  `dct:Location` as DCAT-AP's range asks;
* a `dct:title` for every concept scheme that has none (its `skos:prefLabel`s): DCAT-AP reads
  every `skos:ConceptScheme` as a category scheme and requires a title.

The data is the union of the data graphs (one per source, the links, the reference records; see
kgtool/dataset.py), without the description graph (graph/dataset.ttl plus what is computed here)
and the ontology: so the counts do not depend on themselves (a graph cannot hold its own triple
count) and the build stays deterministic. Partition nodes get IRIs
(`<dataset/songjiang-kg/class/kg-Town>`), never blank nodes.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from typing import Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS, VOID, XSD
from rdflib.term import Node

from kgtool import namespaces
from kgtool.dataset import DESCRIPTION_GRAPH, ONTOLOGY_GRAPH, UNION_GRAPH

DATASET = URIRef(namespaces.thing("dataset", "songjiang-kg"))
TIME_IN_DATE = URIRef(namespaces.PREFIXES["time"] + "inXSDDate")
REF_AREA = URIRef(namespaces.PREFIXES["sdmx-dimension"] + "refArea")
OBSERVATION = URIRef(namespaces.PREFIXES["qb"] + "Observation")


def local_key(iri: str) -> str:
    """A readable, stable IRI segment for a term: `kg-Town`, `skos-prefLabel`."""
    for prefix, ns in sorted(namespaces.PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and iri[len(ns):]:
            return f"{prefix}-{iri[len(ns):]}"
    return "iri-" + hashlib.sha256(iri.encode("utf-8")).hexdigest()[:16]


NOT_DATA = (DESCRIPTION_GRAPH, ONTOLOGY_GRAPH, UNION_GRAPH)


def data_graph(graphs: Mapping[str, Graph]) -> Graph:
    """The union (set semantics) of the named graphs that hold data: every graph but the
    description, the ontology and the materialised union (kgtool/dataset.py)."""
    union = Graph(bind_namespaces="none")
    for iri in sorted(graphs):
        if iri not in NOT_DATA:
            union += graphs[iri]
    return union


def add_description(graphs: dict[str, Graph]) -> None:
    """The build's hook: add the computed description of the data to the description graph."""
    description = graphs.setdefault(DESCRIPTION_GRAPH, Graph(bind_namespaces="none"))
    description += describe(data_graph(graphs))


def describe(data: Graph, dataset: URIRef = DATASET) -> Graph:
    """The computed description of `dataset` from `data` (see the module docstring)."""
    out = Graph(bind_namespaces="none")
    triples = list(data)
    subjects = {s for s, _, _ in triples}
    objects = {o for _, _, o in triples}
    by_property = Counter(p for _, p, _ in triples)
    by_class: dict[Node, set[Node]] = {}
    for s, p, o in triples:
        if p == RDF.type:
            by_class.setdefault(o, set()).add(s)

    def integer(n: int) -> Literal:
        return Literal(str(n), datatype=XSD.integer)

    out.add((dataset, VOID.triples, integer(len(triples))))
    out.add((dataset, VOID.distinctSubjects, integer(len(subjects))))
    out.add((dataset, VOID.distinctObjects, integer(len(objects))))
    out.add((dataset, VOID.properties, integer(len(by_property))))
    out.add((dataset, VOID.classes, integer(len(by_class))))
    for cls in sorted(by_class, key=str):
        part = URIRef(f"{dataset}/class/{local_key(str(cls))}")
        out.add((dataset, VOID.classPartition, part))
        out.add((part, RDF.type, VOID.Dataset))
        out.add((part, VOID["class"], cls))
        out.add((part, VOID.entities, integer(len(by_class[cls]))))
    for prop in sorted(by_property, key=str):
        part = URIRef(f"{dataset}/property/{local_key(str(prop))}")
        out.add((dataset, VOID.propertyPartition, part))
        out.add((part, RDF.type, VOID.Dataset))
        out.add((part, VOID.property, prop))
        out.add((part, VOID.triples, integer(by_property[prop])))

    dates = sorted(o for s, p, o in triples if p == TIME_IN_DATE and isinstance(o, Literal)
                   and o.datatype == XSD.date)
    if dates:
        period = URIRef(f"{dataset}/temporal")
        out.add((dataset, DCTERMS.temporal, period))
        out.add((period, RDF.type, DCTERMS.PeriodOfTime))
        out.add((period, DCAT.startDate, Literal(str(dates[0]), datatype=XSD.date)))
        out.add((period, DCAT.endDate, Literal(str(dates[-1]), datatype=XSD.date)))
    # DCAT-AP reads every skos:ConceptScheme as a category scheme, which needs a dct:title:
    # the scheme's own labels serve.
    schemes = {s for s, p, o in triples if p == RDF.type and o == SKOS.ConceptScheme}
    for scheme in sorted(schemes, key=str):
        if (scheme, DCTERMS.title, None) not in data:
            for label in sorted(data.objects(scheme, SKOS.prefLabel), key=lambda t: t.n3()):
                out.add((scheme, DCTERMS.title, label))
    observations = {s for s, p, o in triples if p == RDF.type and o == OBSERVATION}
    areas = {o for s, p, o in triples if p == REF_AREA and s in observations}
    for area in sorted(areas, key=str):
        out.add((dataset, DCTERMS.spatial, area))
        out.add((area, RDF.type, DCTERMS.Location))
    return out
