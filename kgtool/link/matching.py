"""Matching places to NBS divisions by name *and containment* (see kgtool.link for the rules)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from kgtool.link.names import normalize, strip_suffix
from kgtool.namespaces import DEF

if TYPE_CHECKING:  # pragma: no cover - rdflib is imported by the callers
    from rdflib import Graph

LEVEL_BY_LENGTH = {2: "province", 4: "city", 6: "county", 9: "township"}


@dataclass(frozen=True)
class Resolution:
    """What a mention resolved to: `linked` (with `code`), `ambiguous` (with `candidates`) or `none`."""

    status: str
    code: str | None = None
    candidates: tuple[str, ...] = ()
    rule: str = ""


@dataclass(frozen=True)
class Constraint:
    """What an entity's type allows: division levels and name suffixes (None = any)."""

    levels: frozenset[str] | None = None
    suffixes: tuple[str, ...] | None = None

    def allows(self, code: str, name: str) -> bool:
        if self.levels is not None and LEVEL_BY_LENGTH.get(len(code)) not in self.levels:
            return False
        if self.suffixes is not None and not name.endswith(self.suffixes):
            return False
        return True


ANY = Constraint()


class DivisionIndex:
    """Names of divisions (province to township level) indexed exactly and suffix-stripped."""

    def __init__(self, rows: Iterable[tuple[str, str, str | None]]) -> None:
        self.names: dict[str, str] = {}
        self.parent: dict[str, str | None] = {}
        self.exact: dict[str, list[str]] = defaultdict(list)
        self.stripped: dict[str, list[str]] = defaultdict(list)
        for code, name, parent in rows:
            if len(code) not in LEVEL_BY_LENGTH:
                continue
            self.names[code] = name
            self.parent[code] = parent
            key = normalize(name)
            self.exact[key].append(code)
            short = strip_suffix(key)
            if short:
                self.stripped[short].append(code)

    def __len__(self) -> int:
        return len(self.names)

    def resolve(self, mention: str, context: str | None = None, constraint: Constraint = ANY,
                *, _depth: int = 0) -> Resolution:
        """Resolve a mention inside `context` (a division code; None = the whole country)."""
        key = normalize(mention)
        if not key:
            return Resolution("none", rule="empty mention")

        def inside(codes: Iterable[str]) -> list[str]:
            return sorted(c for c in codes
                          if (context is None or (c.startswith(context) and c != context))
                          and constraint.allows(c, self.names[c]))

        exact = inside(self.exact.get(key, ()))
        if len(exact) == 1:
            return Resolution("linked", exact[0], tuple(exact), "exact name within context")
        if len(exact) > 1:
            return Resolution("ambiguous", None, tuple(exact), "several units with this name in context")
        short = strip_suffix(key) or key
        loose = inside(set(self.stripped.get(short, ())) | set(self.stripped.get(key, ()))
                       | set(self.exact.get(short, ())))
        if len(loose) == 1:
            return Resolution("linked", loose[0], tuple(loose), "name without suffix within context")
        if len(loose) > 1:
            return Resolution("ambiguous", None, tuple(loose), "several units match once suffixes are stripped")
        if _depth < 2:
            split = self._prefix_split(key, context, _depth)
            if split is not None:
                return split
        return Resolution("none", rule="no unit of this name in context")

    def _prefix_split(self, key: str, context: str | None, depth: int) -> Resolution | None:
        """"松江洞泾" in 上海: resolve the container "松江" first, then "洞泾" inside it."""
        for cut in range(len(key) - 2, 1, -1):
            head, tail = key[:cut], key[cut:]
            outer = self.resolve(head, context, Constraint(frozenset({"province", "city", "county"})),
                                 _depth=depth + 1)
            if outer.status == "linked" and outer.code is not None:
                inner = self.resolve(tail, outer.code, ANY, _depth=depth + 1)
                if inner.status != "none":
                    return Resolution(inner.status, inner.code, inner.candidates,
                                      f"container prefix {head!r} → {outer.code}, then {inner.rule}")
        return None


KG = DEF
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

DIVISION_TYPES: dict[str, Constraint] = {
    KG + "Municipality": Constraint(frozenset({"province", "city"}), ("市",)),
    KG + "District": Constraint(frozenset({"county"}), ("区",)),
    KG + "Subdistrict": Constraint(frozenset({"township"}), ("街道",)),
    KG + "Town": Constraint(frozenset({"township"}), ("镇", "乡")),
    KG + "AdministrativeDivision": ANY,
}
NON_DIVISION_TYPES = {KG + t for t in ("NewCity", "SpecialZone", "Park", "Facility", "Region")} | {
    SCHEMA + "City", SCHEMA + "Place"}
COUNTRY = SCHEMA + "Country"
HOME_COUNTRY_NAMES = {"中国", "中华人民共和国"}


@dataclass
class Place:
    """A place of our graph: IRI, zh labels (pref first), types and container."""

    iri: str
    labels: list[str]
    types: set[str]
    container: str | None


def places_from_graph(graph: "Graph") -> dict[str, Place]:
    """The graph's places (anything with a place type or a schema:containedInPlace)."""
    from rdflib import Literal, URIRef  # local: keep `import kgtool.link` light

    g = graph
    place_types = set(DIVISION_TYPES) | NON_DIVISION_TYPES | {COUNTRY}
    subjects: set[str] = set()
    for t in place_types:
        subjects.update(str(s) for s in g.subjects(URIRef(RDF_TYPE), URIRef(t)) if isinstance(s, URIRef))
    out: dict[str, Place] = {}
    for s in sorted(subjects):
        node = URIRef(s)
        pref = sorted(str(o) for o in g.objects(node, URIRef(SKOS + "prefLabel"))
                      if isinstance(o, Literal) and (o.language or "").lower() == "zh-hans")
        alt = sorted(str(o) for o in g.objects(node, URIRef(SKOS + "altLabel"))
                     if isinstance(o, Literal) and (o.language or "").lower() == "zh-hans")
        types = {str(o) for o in g.objects(node, URIRef(RDF_TYPE))}
        containers = sorted(str(o) for o in g.objects(node, URIRef(SCHEMA + "containedInPlace")))
        out[s] = Place(s, pref + alt, types, containers[0] if containers else None)
    return out


@dataclass(frozen=True)
class PlaceOutcome:
    """The linker's verdict on one place, for links and for the report."""

    place: str
    label: str
    status: str           # linked | ambiguous | none | skipped
    code: str | None
    reason: str
    candidates: tuple[str, ...] = ()


def link_places(places: Mapping[str, Place], index: DivisionIndex) -> list[PlaceOutcome]:
    """Resolve every place top-down: a container first, then what it contains, inside it."""
    done: dict[str, PlaceOutcome] = {}

    def chain_country(p: Place) -> str | None:
        seen = set()
        cur: Place | None = p
        while cur is not None and cur.iri not in seen:
            seen.add(cur.iri)
            if COUNTRY in cur.types:
                return cur.labels[0] if cur.labels else cur.iri
            cur = places.get(cur.container) if cur.container else None
        return None

    def visit(iri: str) -> PlaceOutcome:
        if iri in done:
            return done[iri]
        p = places[iri]
        label = p.labels[0] if p.labels else iri
        context: str | None = None
        if p.container and p.container in places:
            outer = visit(p.container)
            if outer.status == "linked":
                context = outer.code
        country = chain_country(p)
        constraint = next((DIVISION_TYPES[t] for t in sorted(p.types) if t in DIVISION_TYPES), None)
        if COUNTRY in p.types:
            result = PlaceOutcome(iri, label, "skipped", None, "a country: not an NBS division")
        elif country is not None and country not in HOME_COUNTRY_NAMES:
            result = PlaceOutcome(iri, label, "skipped", None, f"outside China (in {country})")
        elif constraint is None:
            result = PlaceOutcome(iri, label, "skipped", None,
                                  "not an administrative division: never matched to a division by name")
        elif p.container and context is None and places.get(p.container) is not None \
                and COUNTRY not in places[p.container].types:
            result = PlaceOutcome(iri, label, "ambiguous", None,
                                  "its container is not linked, so there is no context")
        else:
            verdicts = [(lab, index.resolve(lab, context, constraint)) for lab in p.labels]
            codes = sorted({r.code for _, r in verdicts if r.status == "linked" and r.code})
            if len(codes) == 1:
                lab, res = next((lab, r) for lab, r in verdicts if r.code == codes[0])
                result = PlaceOutcome(iri, label, "linked", codes[0],
                                      f"{lab!r}: {res.rule} ({context or 'national'})", res.candidates)
            elif len(codes) > 1:
                result = PlaceOutcome(iri, label, "ambiguous", None,
                                      "labels resolve to different units", tuple(codes))
            elif any(r.status == "ambiguous" for _, r in verdicts):
                cands = sorted({c for _, r in verdicts for c in r.candidates})
                result = PlaceOutcome(iri, label, "ambiguous", None,
                                      "several candidates in context", tuple(cands))
            else:
                result = PlaceOutcome(iri, label, "none", None, "no division of this name in context")
        done[iri] = result
        return result

    for iri in sorted(places):
        visit(iri)
    return [done[i] for i in sorted(done)]
