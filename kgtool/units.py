"""The units the data uses, described in the data itself.

The built graph must validate on its own, with no ontology mixed in and no inference (issue
10.1): an observation's `sdmx-attribute:unitMeasure unit:NUM` only satisfies `sh:class qudt:Unit`
when the data says `unit:NUM a qudt:Unit`. Units are individuals of ontology/kgtool.ttl, so the
build copies their descriptions into the graph -- every triple about each unit the data uses,
and about the units those are scalings of (kgunit:HundredMillionCNY -> unit:CCY_CNY).
"""
from __future__ import annotations

import os
from pathlib import Path

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


def ontology_units(path: str | os.PathLike[str], *, source: str | None = None) -> Graph:
    """Every triple about a qudt:Unit in the ontology file, read by the one reader
    (kgtool.oxreader) and handed to rdflib only for the units (the whole ontology as an rdflib
    graph costs the build ~0.4 s); lexical forms and tag spellings are kept as written."""
    import pyoxigraph as ox

    from kgtool import io, oxreader

    name = source or str(path)
    text = oxreader.read_bytes(Path(path), name)
    quads = oxreader.parse(text, ox.RdfFormat.TURTLE, name, base_iri=Path(path).resolve().as_uri())
    unit_type = ox.NamedNode(str(QUDT.Unit))
    units = {q.subject for q in quads if q.predicate.value == str(RDF.type) and q.object == unit_type}
    out = Graph(bind_namespaces="none")
    io.add_quads(out, (q for q in quads if q.subject in units), text)
    return out
