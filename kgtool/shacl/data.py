"""Loading the data graph into pyoxigraph without losing what SHACL checks.

pyoxigraph's store keeps values, not every spelling: it stores `"5"^^xsd:nonNegativeInteger`
(and the other integer-derived types) as `"5"^^xsd:integer` and `xsd:dateTimeStamp` as
`xsd:dateTime`, which would make every `sh:datatype xsd:nonNegativeInteger` fail. Its parser
keeps them. So a triple with such a literal is stored twice, outside the default graph:
  * in STANDIN_GRAPH with a stand-in datatype `urn:x-kgtool:xsd:NAME`, kept verbatim -- the
    SHACL Core checks read this copy and check/compare it as the type it stands for;
  * in CANONICAL_GRAPH as the store keeps it (`xsd:integer`) -- SHACL-SPARQL constraints read
    this copy, so `xsd:integer(?start)` works as in any engine.
Everything else is in the default graph. Results are turned back (`restore`) before anyone sees
them. Numbers of the primitive types are stored canonically ("2.50" reads back as "2.5"): the
values are the same.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyoxigraph as ox

from kgtool.errors import InputError

XSD = "http://www.w3.org/2001/XMLSchema#"
STAND_IN = "urn:x-kgtool:xsd:"
INTEGER_DERIVED = ("nonPositiveInteger", "negativeInteger", "nonNegativeInteger", "positiveInteger",
                   "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
                   "unsignedByte")
COLLAPSED = {XSD + name: ox.NamedNode(STAND_IN + name) for name in (*INTEGER_DERIVED, "dateTimeStamp")}
_BACK = {v.value: ox.NamedNode(k) for k, v in COLLAPSED.items()}


def stand_in(term: Any) -> Any:
    """The term as the store must hold it (a literal of a collapsed type gets its stand-in)."""
    if isinstance(term, ox.Literal):
        dt = COLLAPSED.get(term.datatype.value)
        if dt is not None:
            return ox.Literal(term.value, datatype=dt)
    return term


def restore(term: Any) -> Any:
    """The term as written in the data (undoes `stand_in`)."""
    if isinstance(term, ox.Literal):
        dt = _BACK.get(term.datatype.value)
        if dt is not None:
            return ox.Literal(term.value, datatype=dt)
    return term


STANDIN_GRAPH = ox.NamedNode("urn:x-kgtool:standin")
CANONICAL_GRAPH = ox.NamedNode("urn:x-kgtool:canonical")
CORE_VIEW = [ox.DefaultGraph(), STANDIN_GRAPH]          # what SHACL Core checks read
SPARQL_VIEW = [ox.DefaultGraph(), CANONICAL_GRAPH]      # what SHACL-SPARQL constraints read


def _triples(quads: Iterable[Any]) -> Iterator[Any]:
    """Every quad as a triple of the default graph, or as its two copies (module docstring)."""
    default = ox.DefaultGraph()
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal) and o.datatype.value in COLLAPSED:
            yield ox.Quad(q.subject, q.predicate, ox.Literal(o.value, datatype=COLLAPSED[o.datatype.value]),
                          STANDIN_GRAPH)
            yield ox.Quad(q.subject, q.predicate, o, CANONICAL_GRAPH)
        elif q.graph_name != default:
            yield ox.Quad(q.subject, q.predicate, o, default)
        else:
            yield q


def core_quads(store: Any, s: Any = None, p: Any = None, o: Any = None) -> Iterator[Any]:
    """Quads matching a pattern in the core view (default graph + stand-in copies)."""
    for g in CORE_VIEW:
        yield from store.quads_for_pattern(s, p, o, g)


def _mentions_collapsed(path: str) -> bool:
    """Whether the file's bytes name any collapsed datatype at all (read in 1 MiB chunks)."""
    names = [name.encode() for name in (*INTEGER_DERIVED, "dateTimeStamp")]
    keep = max(len(n) for n in names)
    tail = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return False
            window = tail + chunk
            if any(n in window for n in names):
                return True
            tail = window[-keep:]


def _separate_collapsed(store: Any, quads: Iterable[Any]) -> None:
    """After a fast load into the default graph: move each triple whose literal the store
    collapsed into the stand-in and canonical graphs (unless the data also states it with the
    canonical datatype itself)."""
    default = ox.DefaultGraph()
    moved, genuine = [], set()
    for q in quads:
        o = q.object
        if type(o) is ox.Literal:
            dt = o.datatype.value
            if dt in COLLAPSED:
                moved.append(q)
            elif dt == XSD + "integer" or dt == XSD + "dateTime":
                genuine.add((q.subject, q.predicate, o.value))
    for q in moved:
        original = q.object
        store.add(ox.Quad(q.subject, q.predicate,
                          ox.Literal(original.value, datatype=COLLAPSED[original.datatype.value]), STANDIN_GRAPH))
        store.add(ox.Quad(q.subject, q.predicate, original, CANONICAL_GRAPH))
        # the default graph holds the store's form of it (canonical, or verbatim if ill-formed)
        for stored in list(store.quads_for_pattern(q.subject, q.predicate, None, default)):
            o = stored.object
            if type(o) is ox.Literal and o.datatype.value in (XSD + "integer", XSD + "dateTime",
                                                              original.datatype.value) \
                    and _same_value(o, original) and (q.subject, q.predicate, o.value) not in genuine:
                store.remove(stored)


def _same_value(stored: Any, original: Any) -> bool:
    if stored.value == original.value:
        return True
    try:
        return stored.datatype.value == XSD + "integer" and int(stored.value) == int(original.value.strip())
    except ValueError:
        return False


def load_files(store: Any, paths: Iterable[str | os.PathLike[str]]) -> None:
    """Parse RDF files into `store` (all graphs merged into the default graph), through the
    one reader (kgtool.oxreader): the format table, the refusals (DOCTYPE, JSON-LD contexts,
    over-long lines), relative IRIs against the file, and its one-line errors.

    Fast path: a Turtle or N-Triples file is streamed into the store by pyoxigraph itself; only
    when the file names a collapsed datatype is it parsed a second time to move those triples
    (module docstring). Other formats are parsed, then their triples added."""
    from kgtool import oxreader  # noqa: PLC0415 - stdlib + pyoxigraph only

    for path in paths:
        name = str(path)
        fmt = oxreader.rdf_format(name, what=None)
        base = Path(name).resolve().as_uri()
        if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
            oxreader.load(store, fmt, name, path=name)
            if _mentions_collapsed(name):
                _separate_collapsed(store, oxreader.parse(oxreader.read_bytes(name), fmt, name,
                                                          base_iri=base))
        else:
            quads = oxreader.parse(oxreader.read_bytes(name), fmt, name, base_iri=base)
            store.extend(_triples(quads))
            if _mentions_collapsed(name):
                _separate_collapsed(store, quads)


def from_rdflib(graph: Any) -> Iterator[Any]:
    """An rdflib graph's triples as pyoxigraph quads (for `build`, which assembles in rdflib)."""
    from rdflib import BNode, Literal, URIRef

    cache: dict[Any, Any] = {}

    def term(t: Any) -> Any:
        got = cache.get(t)
        if got is not None:
            return got
        if isinstance(t, URIRef):
            got = ox.NamedNode(str(t))
        elif isinstance(t, BNode):
            got = ox.BlankNode(_bnode_id(str(t)))
        elif isinstance(t, Literal):
            if t.language:
                got = ox.Literal(str(t), language=t.language)
            elif t.datatype is not None:
                got = stand_in(ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))))
            else:
                got = ox.Literal(str(t))
        else:
            raise InputError(f"unsupported RDF term {t!r}")
        cache[t] = got
        return got

    default = ox.DefaultGraph()
    for s, p, o in graph:
        ot = term(o)
        if isinstance(ot, ox.Literal) and ot.datatype.value.startswith(STAND_IN):
            yield ox.Quad(term(s), term(p), ot, STANDIN_GRAPH)
            yield ox.Quad(term(s), term(p), restore(ot), CANONICAL_GRAPH)
        else:
            yield ox.Quad(term(s), term(p), ot, default)


def _bnode_id(label: str) -> str:
    """pyoxigraph blank-node ids must be valid N-Triples labels."""
    return label if re.fullmatch(r"[A-Za-z0-9_]+", label) else "b" + label.encode().hex()
