"""Byte-stable JSON-LD and RDF/XML, and canonical blank-node labels, for `kgtool export`.

Why not rdflib's own writers: their output depends on `PYTHONHASHSEED` (issue 10.5). rdflib's
RDF/XML writer numbers the namespaces it invents (`ns1`, `ns2`) in the order of a `set`, its
JSON-LD writer groups nodes through sets, and parsed blank nodes get random labels. These
writers are small because they write the flat forms (one node object / one `rdf:Description`
per subject), sorted: the same graph always gives the same bytes, and both parse back to the
same graph (tests/test_export.py, tests/test_bytes.py).

Blank nodes are relabelled by `rdflib.compare.to_canonical_graph` (a canonical labelling by
hashing, fast enough for the ontology and shapes: 0.2 s for shapes.ttl with 109 blank nodes),
and only when a graph has blank nodes at all.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef

from kgtool.errors import UsageError

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = RDF_NS + "langString"
# The end of an IRI that can be an XML element name (an NCName start char, then name chars).
_XML_LOCAL = re.compile(r"[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_.\-\u00B7\u00C0-\uFFFF]*$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def canonical(graph: Graph) -> Graph:
    """`graph` with canonical blank-node labels (itself when it has no blank nodes)."""
    if not any(isinstance(t, BNode) for triple in graph for t in triple[::2]):
        return graph
    from rdflib.compare import to_canonical_graph  # noqa: PLC0415

    out = Graph(bind_namespaces="none")
    for s, p, o in to_canonical_graph(graph):
        out.add((_b(s), p, _b(o)))
    return out


def _b(term: Any) -> Any:
    # Canonical labels are hex digests and may start with a digit: prefix them so every label
    # is also an XML NCName (rdf:nodeID) and a Turtle/N-Triples label.
    return BNode("b" + str(term)) if isinstance(term, BNode) else term


def _key(term: Any) -> tuple[int, str, str]:
    if isinstance(term, Literal):
        return (2, str(term), f"{term.language or ''}|{term.datatype or ''}")
    return (1 if isinstance(term, BNode) else 0, str(term), "")


def _sorted(graph: Graph) -> list[tuple[Any, Any, Any]]:
    return sorted(graph, key=lambda t: (_key(t[0]), str(t[1]), _key(t[2])))


# ------------------------------------------------------------------------ JSON-LD

def jsonld(graph: Graph, prefixes: Mapping[str, str]) -> bytes:
    """Flattened JSON-LD: `@context` = the prefixes used, `@graph` = node objects sorted by id,
    properties sorted, values sorted; lexical forms and language tags as in the graph."""
    used = {p: ns for p, ns in prefixes.items()}

    def compact(iri: str) -> str:
        best = ""
        for ns in used.values():
            if iri.startswith(ns) and len(ns) > len(best) and not iri[len(ns):].startswith("//"):
                best = ns
        if best:
            return next(p for p, ns in sorted(used.items()) if ns == best) + ":" + iri[len(best):]
        return iri

    ctx_used: set[str] = set()

    def c(iri: str) -> str:
        out = compact(iri)
        if out != iri:
            ctx_used.add(out.split(":", 1)[0])
        return out

    def node_id(term: Any) -> str:
        return f"_:{term}" if isinstance(term, BNode) else c(str(term))

    def value(o: Any) -> dict[str, str]:
        if isinstance(o, Literal):
            v: dict[str, str] = {"@value": str(o)}
            if o.language:
                v["@language"] = o.language
            elif o.datatype and str(o.datatype) != XSD_STRING:
                v["@type"] = c(str(o.datatype))
            return v
        return {"@id": node_id(o)}

    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o in _sorted(graph):
        node = nodes.setdefault(node_id(s), {"@id": node_id(s)})
        if str(p) == RDF_NS + "type" and not isinstance(o, Literal):
            node.setdefault("@type", []).append(node_id(o))
        else:
            node.setdefault(c(str(p)), []).append(value(o))
    context = {p: used[p] for p in sorted(ctx_used)}
    doc = {"@context": context, "@graph": [nodes[k] for k in sorted(nodes)]}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# ------------------------------------------------------------------------ RDF/XML

def _xml_text(s: str) -> str:
    if _XML_BAD.search(s):
        raise UsageError("a literal holds a control character that RDF/XML (XML 1.0) cannot "
                         "carry; export as Turtle or N-Triples", source="--format")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(s: str) -> str:
    return _xml_text(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def rdfxml(graph: Graph, prefixes: Mapping[str, str]) -> bytes:
    """Flat RDF/XML: one `rdf:Description` per subject (sorted), properties sorted; namespaces
    from `prefixes` where they fit, else `ns1`, `ns2` … in sorted namespace order."""
    triples = _sorted(graph)
    by_ns = {ns: p for p, ns in sorted(prefixes.items())}
    split: dict[str, tuple[str, str]] = {}
    for p in sorted({str(t[1]) for t in triples}):
        m = _XML_LOCAL.search(p)
        if not m or m.start() == 0:
            raise UsageError(f"the property <{p}> cannot be written in RDF/XML (no XML name at "
                             "its end); export as Turtle or N-Triples", source="--format")
        split[p] = (p[:m.start()], p[m.start():])
    names: dict[str, str] = {"rdf": RDF_NS}
    invented = 0
    ns_prefix: dict[str, str] = {RDF_NS: "rdf"}
    for ns in sorted({ns for ns, _ in split.values()}):
        if ns in ns_prefix:
            continue
        prefix = by_ns.get(ns)
        if prefix is None or prefix in names or prefix.lower().startswith("xml"):
            invented += 1
            prefix = f"ns{invented}"
            while prefix in names or prefix in prefixes:
                invented += 1
                prefix = f"ns{invented}"
        names[prefix] = ns
        ns_prefix[ns] = prefix
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF']
    for prefix in sorted(names):
        out.append(f'\n   xmlns:{prefix}="{_xml_attr(names[prefix])}"')
    out.append(">\n")
    current: Any = None
    for s, p, o in triples:
        if s != current:
            if current is not None:
                out.append("  </rdf:Description>\n")
            about = (f'rdf:nodeID="{s}"' if isinstance(s, BNode)
                     else f'rdf:about="{_xml_attr(str(s))}"')
            out.append(f"  <rdf:Description {about}>\n")
            current = s
        ns, local = split[str(p)]
        tag = f"{ns_prefix[ns]}:{local}"
        if isinstance(o, Literal):
            attr = ""
            if o.language:
                attr = f' xml:lang="{_xml_attr(o.language)}"'
            elif o.datatype and str(o.datatype) not in (XSD_STRING, RDF_LANGSTRING):
                attr = f' rdf:datatype="{_xml_attr(str(o.datatype))}"'
            out.append(f"    <{tag}{attr}>{_xml_text(str(o))}</{tag}>\n")
        elif isinstance(o, BNode):
            out.append(f'    <{tag} rdf:nodeID="{o}"/>\n')
        else:
            out.append(f'    <{tag} rdf:resource="{_xml_attr(str(o))}"/>\n')
    if current is not None:
        out.append("  </rdf:Description>\n")
    out.append("</rdf:RDF>\n")
    return "".join(out).encode("utf-8")


def used_prefixes(graph: Iterable[tuple[Any, Any, Any]], prefixes: Mapping[str, str]) -> dict[str, str]:
    """The entries of `prefixes` whose namespace starts some IRI or datatype in `graph`."""
    iris = set()
    for t in graph:
        for term in t:
            if isinstance(term, URIRef):
                iris.add(str(term))
            elif isinstance(term, Literal) and term.datatype:
                iris.add(str(term.datatype))
    return {p: ns for p, ns in sorted(prefixes.items()) if any(i.startswith(ns) for i in iris)}


__all__ = ["canonical", "jsonld", "rdfxml", "used_prefixes"]
