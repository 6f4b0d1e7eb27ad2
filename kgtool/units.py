"""The units the data uses, described in the data itself.

The built graph must validate on its own, with no ontology mixed in and no inference (issue
10.1): an observation's `sdmx-attribute:unitMeasure unit:NUM` only satisfies `sh:class qudt:Unit`
when the data says `unit:NUM a qudt:Unit`. Units are individuals of ontology/kgtool.ttl, so the
build copies their descriptions into the graph -- every triple about each unit the data uses,
and about the units those are scalings of (kgunit:HundredMillionCNY -> unit:CCY_CNY).
"""
from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF, Namespace

from kgtool import namespaces

QUDT = Namespace(namespaces.PREFIXES["qudt"])


def used_units(ontology: Graph, data: Graph) -> Graph:
    """Every ontology triple about a qudt:Unit the data refers to (transitively)."""
    units = set(ontology.subjects(RDF.type, QUDT.Unit))
    out = Graph(bind_namespaces="none")
    todo = sorted({o for o in data.objects() if o in units}, key=str)
    seen: set = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for s, p, o in ontology.triples((node, None, None)):
            out.add((s, p, o))
            if o in units:
                todo.append(o)
    return out
