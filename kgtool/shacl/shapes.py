"""The shapes graph, read with pyoxigraph into a small index (no rdflib: the fast path stays light)."""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox

from kgtool.errors import InputError

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


class ShapesGraph:
    """Subject -> predicate IRI -> objects, plus the reverse index, of one or more shapes files."""

    def __init__(self) -> None:
        self.spo: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.pos: dict[str, list[tuple[Any, Any]]] = defaultdict(list)

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike[str]], *, names: Iterable[str] = ()) -> "ShapesGraph":
        sg = cls()
        shown = list(names)
        for i, path in enumerate(paths):
            name = shown[i] if i < len(shown) else str(path)
            try:
                sg.add(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
            except FileNotFoundError:
                raise InputError("no such file (the shapes are needed to validate)", source=name) from None
            except SyntaxError as exc:
                raise InputError(f"cannot parse the shapes: {' '.join(str(exc).split())}", source=name) from None
        return sg

    def add(self, quads: Iterable[Any]) -> None:
        for q in quads:
            if q.object not in self.spo[q.subject][q.predicate.value]:
                self.spo[q.subject][q.predicate.value].append(q.object)
                self.pos[q.predicate.value].append((q.subject, q.object))

    def objects(self, s: Any, p: str) -> list[Any]:
        return list(self.spo.get(s, {}).get(p, ()))

    def value(self, s: Any, p: str) -> Any:
        got = self.objects(s, p)
        return got[0] if got else None

    def subjects(self, p: str, o: Any = None) -> list[Any]:
        return [s for s, obj in self.pos.get(p, ()) if o is None or obj == o]

    def predicates(self, s: Any) -> list[str]:
        return list(self.spo.get(s, {}))

    def items(self, head: Any) -> list[Any]:
        """The members of an RDF list."""
        out, seen = [], set()
        while head is not None and head != ox.NamedNode(RDF + "nil"):
            if head in seen:
                raise InputError("a cyclic RDF list in the shapes")
            seen.add(head)
            first = self.value(head, RDF + "first")
            if first is None:
                raise InputError(f"malformed RDF list in the shapes at {head}")
            out.append(first)
            head = self.value(head, RDF + "rest")
        return out

    def prefixes(self, node: Any) -> dict[str, str]:
        """The sh:declare prefixes reachable from a SPARQL constraint's sh:prefixes."""
        out: dict[str, str] = {}
        for owner in self.objects(node, SH + "prefixes"):
            for decl in self.objects(owner, SH + "declare"):
                prefix, ns = self.value(decl, SH + "prefix"), self.value(decl, SH + "namespace")
                if prefix is not None and ns is not None:
                    out[prefix.value] = ns.value
        return out


def shapes_files(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.is_file()]
