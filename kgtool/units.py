"""The units the data uses, described in the data itself.

The built graph must validate on its own, with no ontology mixed in and no inference (issue
10.1): an observation's `sdmx-attribute:unitMeasure unit:NUM` only satisfies `sh:class qudt:Unit`
when the data says `unit:NUM a qudt:Unit`. Units are individuals of ontology/kgtool.ttl, so the
build copies their descriptions into the graph -- every triple about each unit the data uses,
and about the units those are scalings of (kgunit:HundredMillionCNY -> unit:CCY_CNY).
"""
from __future__ import annotations

import os

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, Namespace
from rdflib.term import Node

from kgtool import namespaces
from kgtool.errors import InputError

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
    """Every triple about a qudt:Unit in the ontology file, read with pyoxigraph's parser (the
    whole ontology through rdflib costs the build ~0.4 s; lexical forms are kept as written)."""
    import pyoxigraph as ox

    from kgtool.output import LangCase

    try:
        text = open(path, "rb").read()
        quads = list(ox.parse(input=text, format=ox.RdfFormat.TURTLE))
        lang_case = LangCase()
        lang_case.add_from_text(text.decode("utf-8"))   # pyoxigraph lowercases tags
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the ontology: {' '.join(str(exc).split())}",
                         source=source or str(path)) from None
    unit_type = ox.NamedNode(str(QUDT.Unit))
    units = {q.subject for q in quads if q.predicate.value == str(RDF.type) and q.object == unit_type}

    def rd(term: object) -> Node:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        assert isinstance(term, ox.Literal), term  # no quoted triples in the ontology
        if term.language:
            return Literal(term.value, lang=lang_case(term.language))
        datatype = term.datatype.value
        if datatype == namespaces.PREFIXES["xsd"] + "string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)

    out = Graph(bind_namespaces="none")
    for q in quads:
        if q.subject in units:
            out.add((rd(q.subject), rd(q.predicate), rd(q.object)))
    return out
