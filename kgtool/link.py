"""Match the graph's entities to the reference datasets and write auditable links (issue #4).

Places are matched by name *and containment*, never by first hit:

1. names are normalised (NFKC: full-width → half-width, all whitespace removed);
2. a candidate is a division whose name equals the mention, or — only if no division has the
   exact name — whose name equals it once one administrative suffix (街道/镇/乡/区/县/市) is
   stripped from both (and at least two characters are left: 唐镇 is never "唐");
3. candidates must lie strictly inside the context (the division the mention's container was
   linked to; the whole country when there is none) and at the level the entity's type allows
   (a kg:Town is a township-level 镇 or 乡, a kg:District a county-level 区 …);
4. exactly one candidate → linked; several → **ambiguous** (reported, never linked); none →
   a mention may still start with its container's name ("松江洞泾", "上海市松江区"): that prefix
   is resolved first and the rest inside it.

Entities that are not administrative divisions (kg:NewCity, kg:SpecialZone, kg:Park, kg:Facility,
kg:Region, foreign places) are never matched against division names at all: "松江综保区" must not
become a township because a stripped name happens to fit.

Industry mappings are not inferred: they come from the committed, hand-justified table
`graph/mappings/industry-gbt4754.tsv`, and `link` only checks that both ends exist (and that the
GB/T 4754 name in the table is the one in the reference graph).

Outputs are deterministic (sorted, no blank nodes, dates taken from the committed SSSOM file):
`graph/links.ttl` (mapping triples + one `owl:Axiom` link node per mapping, with provenance, the
reference records the links point to, and the VoID linksets) and `graph/links.sssom.tsv`.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from kgtool.errors import InputError
from kgtool.namespaces import DEF, ID
from kgtool.reference.common import (
    GBT2260_CODE, GBT4754, NBS12_CODE, NBS_DIVISIONS, GBT4754_TABLE, WIKIDATA, WIKIDATA_QIDS,
    dataset_iri, display, division_iri, gbt4754_iri,
)

SUFFIXES = ("街道", "镇", "乡", "区", "县", "市")
_WS = re.compile(r"\s+")

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


def normalize(name: str) -> str:
    """NFKC (full-width letters, digits, brackets and spaces become half-width) minus whitespace."""
    return _WS.sub("", unicodedata.normalize("NFKC", name))


def strip_suffix(name: str) -> str | None:
    """The name without one administrative suffix, or None if it has none (or too little is left)."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def to_fullwidth(text: str) -> str:
    """ASCII → full-width forms (for generating width variants of names in the gold set)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c)
                   for c in text)


# ---------------------------------------------------------------------------------------------
# The division index and the resolver
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Our entities
# ---------------------------------------------------------------------------------------------

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


def places_from_graph(graph: "object") -> dict[str, Place]:
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


# ---------------------------------------------------------------------------------------------
# Gold sets and measurement
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoldMention:
    """One gold mention: text, context code ('' = national), expected code / 'ambiguous' / 'none'."""

    mention: str
    context: str
    expected: str
    note: str = ""


def read_gold(path: Path) -> list[GoldMention]:
    """A gold TSV: `mention<TAB>context<TAB>expected<TAB>note` with a header line; # comments."""
    out = []
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [ln for ln in handle if not ln.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t")
    for row in reader:
        out.append(GoldMention(row["mention"], row["context"] or "", row["expected"], row.get("note") or ""))
    return out


@dataclass
class Score:
    """Precision/recall of links, and how many ambiguous/none answers were right."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    ambiguous_right: int = 0
    ambiguous_expected: int = 0
    none_right: int = 0
    none_expected: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self, name: str) -> str:
        return (f"{name}: precision {self.precision:.4f} recall {self.recall:.4f} "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}; ambiguous right "
                f"{self.ambiguous_right}/{self.ambiguous_expected}; no-link right "
                f"{self.none_right}/{self.none_expected})")


def score(gold: Sequence[GoldMention], index: DivisionIndex) -> Score:
    """Run every gold mention through the resolver and count."""
    s = Score()
    for g in gold:
        r = index.resolve(g.mention, g.context or None)
        got = r.code if r.status == "linked" else r.status
        if g.expected == "ambiguous":
            s.ambiguous_expected += 1
            s.ambiguous_right += got == "ambiguous"
        elif g.expected == "none":
            s.none_expected += 1
            s.none_right += got == "none"
        if r.status == "linked":
            if got == g.expected:
                s.tp += 1
            else:
                s.fp += 1
                if g.expected not in ("ambiguous", "none"):
                    s.fn += 1
        elif g.expected not in ("ambiguous", "none"):
            s.fn += 1
        if got != g.expected:
            s.errors.append(f"{g.mention!r} in {g.context or 'national'}: expected {g.expected}, "
                            f"got {got} {list(r.candidates)[:5]}")
    return s


def generate_nbs_gold(streets: Path, areas: Path, provinces: Path | None = None) -> list[GoldMention]:
    """Mentions generated from the NBS data itself, with an oracle that does not use the resolver.

    * every Shanghai township-level name, with and without its suffix, in its district: expected
      its own code unless another unit of the district has the same (stripped) name;
    * width variants (NFKC-equivalent full-width forms, an ideographic space);
    * every 新桥镇 in its district (linked) and nationally without context (ambiguous);
    * Shanghai names that collide once the suffix is stripped, in the Shanghai context (ambiguous)
      and in each unit's own district (linked when unique there).
    """
    from kgtool.reference.divisions import iter_divisions

    rows = [d for d in iter_divisions([areas, streets]) if d.level == "township"]
    districts = {d.code: d.name for d in iter_divisions([areas])}
    out: list[GoldMention] = []

    def keys(name: str) -> set[str]:
        n = normalize(name)
        s = strip_suffix(n)
        return {n, s} if s else {n}

    def oracle(mention: str, context: str, pool: Sequence) -> str:
        m = normalize(mention)
        exact = [d.code for d in pool if d.code.startswith(context) and normalize(d.name) == m]
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            return "ambiguous"
        short = strip_suffix(m) or m
        loose = [d.code for d in pool if d.code.startswith(context) and d.code != context
                 and (short in keys(d.name) or m == strip_suffix(normalize(d.name)))]
        return loose[0] if len(loose) == 1 else ("ambiguous" if loose else "none")

    shanghai = [d for d in rows if d.code.startswith("31")]
    for d in shanghai:
        district = d.code[:6]
        variants = {d.name: "full name", d.name + "\u3000": "ideographic space (full-width)"}
        if normalize(d.name) != d.name:
            variants[normalize(d.name)] = "half-width form"
        if to_fullwidth(d.name) != d.name:
            variants[to_fullwidth(d.name)] = "full-width form"
        short = strip_suffix(normalize(d.name))
        if short:
            variants[short] = "suffix stripped"
        for mention, note in variants.items():
            out.append(GoldMention(mention, district, oracle(mention, district, shanghai),
                                   f"{note}; {districts.get(district, district)}"))
    for d in rows:
        if d.name == "新桥镇":
            out.append(GoldMention("新桥镇", d.code[:6], d.code, f"新桥镇 in {districts.get(d.code[:6])}"))
    xinqiao = [d for d in rows if d.name == "新桥镇"]
    out.append(GoldMention("新桥镇", "", "ambiguous" if len(xinqiao) > 1 else "none",
                           f"{len(xinqiao)} units named 新桥镇 nationally"))
    out.append(GoldMention("新桥", "", "ambiguous", "stripped, no context"))
    by_short: dict[str, list] = defaultdict(list)
    for d in shanghai:
        for k in keys(d.name):
            by_short[k].append(d)
    for short, units in sorted(by_short.items()):
        codes = sorted({u.code for u in units})
        if len(codes) > 1 and short not in {normalize(u.name) for u in units}:
            out.append(GoldMention(short, "31", "ambiguous", "collides in Shanghai: " + " ".join(codes)))
            for u in units:
                out.append(GoldMention(short, u.code[:6], oracle(short, u.code[:6], shanghai),
                                       f"collision resolved by district {districts.get(u.code[:6])}"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for g in out:
        if (g.mention, g.context) not in seen:
            seen.add((g.mention, g.context))
            unique.append(g)
    return unique


def write_gold(path: Path, gold: Sequence[GoldMention], header: str) -> bytes:
    """Render a gold set as TSV (deterministic); returns the bytes."""
    buf = io.StringIO()
    buf.write(header)
    buf.write("mention\tcontext\texpected\tnote\n")
    for g in gold:
        buf.write(f"{g.mention}\t{g.context}\t{g.expected}\t{g.note}\n")
    return buf.getvalue().encode("utf-8")


__all__ = ["ANY", "Constraint", "DivisionIndex", "GoldMention", "PlaceOutcome", "Resolution",
           "Score", "generate_nbs_gold", "link_places", "normalize", "places_from_graph",
           "read_gold", "score", "strip_suffix", "to_fullwidth", "DIVISION_TYPES",
           "GBT2260_CODE", "NBS12_CODE", "NBS_DIVISIONS", "GBT4754", "GBT4754_TABLE",
           "WIKIDATA", "WIKIDATA_QIDS", "dataset_iri", "display", "division_iri", "gbt4754_iri",
           "ID", "InputError"]


# ---------------------------------------------------------------------------------------------
# Reading the reference graphs from the cache
# ---------------------------------------------------------------------------------------------

REFERENCE_FILES = {"divisions": "divisions.nt", "history": "code-history.nt",
                   "industry": "industry.nt", "wikidata": "wikidata.nt"}


def reference_path(cache: Path, name: str) -> Path:
    """The N-Triples file of an imported reference graph (InputError if it was never imported)."""
    from kgtool.reference.common import reference_dir

    path = reference_dir(cache) / REFERENCE_FILES[name]
    if not path.is_file():
        raise InputError(f"reference graph '{name}' not imported; run `kgtool import-reference "
                         f"{name}` (or `kgtool import-reference all`) first", source=str(path))
    return path


def _triples(path: Path) -> Iterator[tuple[str, str, object]]:
    import pyoxigraph as ox

    with open(path, "rb") as handle:
        for t in ox.parse(handle, format=ox.RdfFormat.N_TRIPLES):
            yield t.subject.value, t.predicate.value, t.object


def concept_labels(path: Path, prefix: str) -> dict[str, tuple[str, str | None]]:
    """IRI → (zh label, broader IRI) for subjects under `prefix` (industry and Wikidata graphs)."""
    labels: dict[str, str] = {}
    broader: dict[str, str] = {}
    for s, p, o in _triples(path):
        if not s.startswith(prefix):
            continue
        if p in (SKOS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label") \
                and (getattr(o, "language", None) or "").lower() == "zh-hans":
            labels[s] = o.value   # type: ignore[attr-defined]
        elif p == SKOS + "broader":
            broader[s] = o.value  # type: ignore[attr-defined]
    return {s: (lab, broader.get(s)) for s, lab in labels.items()}


def collection_members(path: Path, collection: str) -> list[str]:
    return sorted(o.value for s, p, o in _triples(path)  # type: ignore[attr-defined]
                  if s == collection and p == SKOS + "member")


# ---------------------------------------------------------------------------------------------
# Building the links
# ---------------------------------------------------------------------------------------------

SEMAPV = "https://w3id.org/semapv/vocab/"
SSSOM = "https://w3id.org/sssom/"
OWL = "http://www.w3.org/2002/07/owl#"
INDUSTRIAL = GBT4754 + "/industrial-divisions"
OUR_DATASET = ID + "dataset/songjiang-kg"
PREDICATES = {
    "skos:exactMatch": SKOS + "exactMatch", "skos:closeMatch": SKOS + "closeMatch",
    "skos:broadMatch": SKOS + "broadMatch", "skos:narrowMatch": SKOS + "narrowMatch",
    "skos:relatedMatch": SKOS + "relatedMatch", "owl:sameAs": OWL + "sameAs",
    "kg:observedEntity": KG + "observedEntity",
}
CURIES = {  # longest namespace first when compacting
    "div": ID + "division/", "gbt4754": GBT4754 + "/", "wd": WIKIDATA, "kglink": ID + "link/",
    "kgid": ID, "skos": SKOS, "owl": OWL, "kg": KG, "semapv": SEMAPV,
}
LINKSETS = {
    "nbs": (ID + "dataset/songjiang-kg-links-nbs-division-2023", NBS_DIVISIONS),
    "wikidata": (ID + "dataset/songjiang-kg-links-wikidata", WIKIDATA_QIDS),
    "gbt4754": (ID + "dataset/songjiang-kg-links-gbt4754-2017", GBT4754_TABLE),
}
INDICATOR_41 = ID + "concept/产业大类数量"


def curie(value: str) -> str:
    """Compact an IRI with the SSSOM curie_map (longest namespace wins)."""
    for prefix, ns in sorted(CURIES.items(), key=lambda kv: -len(kv[1])):
        if value.startswith(ns):
            return f"{prefix}:{value[len(ns):]}"
    return value


def _key(value: str) -> str:
    for ns, name in ((ID + "division/", "division-"), (GBT4754 + "/", "gbt4754-2017-"),
                     (WIKIDATA, "wikidata-"), (ID, "")):
        if value.startswith(ns):
            return name + value[len(ns):].replace("/", "-")
    raise ValueError(value)


@dataclass(frozen=True)
class Link:
    """One mapping with everything the SSSOM row and the link node need."""

    subject: str
    subject_label: str
    predicate: str
    object: str
    object_label: str
    justification: str        # a semapv term (local name)
    confidence: str           # decimal as written
    comment: str
    linkset: str              # key of LINKSETS
    derived_from: str         # the reference dataset (IRI)

    @property
    def iri(self) -> str:
        local = self.predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return f"{ID}link/{_key(self.subject)}--{local}--{_key(self.object)}"


@dataclass
class LinkResult:
    """Everything `kgtool link` produced, for writing and for `--report`."""

    links: list[Link]
    outcomes: list[PlaceOutcome]
    reference: dict[str, tuple[str, str | None]]   # division/industry IRI → (label, broader)
    notations: dict[str, str]                      # division/industry IRI → canonical notation
    collection: list[str]
    index: "DivisionIndex | None" = None


def _read_tsv(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    out = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=display(path)) from None
    body = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if not ln.startswith("#")]
    if not body:
        raise InputError("empty file", source=display(path), line=1)
    header = body[0][1].split("\t")
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", source=display(path),
                         line=body[0][0])
    for n, ln in body[1:]:
        if not ln.strip():
            continue
        cells = ln.split("\t")
        if len(cells) != len(header):
            raise InputError(f"{len(cells)} cells, the header has {len(header)}",
                             source=display(path), line=n)
        out.append((n, dict(zip(header, cells))))
    return out


def build_links(graph: "object", cache: Path, mappings: Path) -> LinkResult:
    """Match places (NBS divisions, Wikidata) and read the industry table; nothing is written."""
    from rdflib import URIRef

    from kgtool.reference import divisions as div

    places = places_from_graph(graph)
    aliases = _read_tsv(mappings / "place-aliases.tsv", ("place", "alias", "reason"))
    for line, row in aliases:
        iri = ID + row["place"]
        if iri not in places:
            raise InputError(f"alias for unknown place {row['place']}", source=display(
                mappings / "place-aliases.tsv"), line=line)
        places[iri].labels.append(row["alias"])

    rows = list(div.records_from_graph(reference_path(cache, "divisions")))
    index = DivisionIndex(rows)
    names = {division_iri(c): n for c, n, _ in rows}
    parent_of = {division_iri(c): (division_iri(p) if p else None) for c, _, p in rows}
    outcomes = link_places(places, index)
    links: list[Link] = []
    reference: dict[str, tuple[str, str | None]] = {}
    notations: dict[str, str] = {}

    def add_division(target: str) -> None:
        cur: str | None = target
        while cur and cur not in reference:
            reference[cur] = (names[cur], parent_of.get(cur))
            notations[cur] = cur[len(division_iri("")):]
            cur = parent_of.get(cur)

    for o in outcomes:
        if o.status != "linked" or o.code is None:
            continue
        target = division_iri(o.code)
        add_division(target)
        rule = "exact" if "exact name" in o.reason else "suffix-stripped"
        links.append(Link(
            o.place, o.label, SKOS + "exactMatch", target, names[target], "CompositeMatching",
            "1.0" if rule == "exact" else "0.95",
            f"Name and containment: {o.reason}; the only candidate at the level its type allows "
            f"(NBS 2023 record {o.code} {names[target]}).", "nbs", dataset_iri(NBS_DIVISIONS)))

    # Wikidata: verified QIDs only, matched on the zh name (or a committed alias).
    wd = concept_labels(reference_path(cache, "wikidata"), WIKIDATA)
    by_name: dict[str, list[str]] = defaultdict(list)
    for qid_iri, (label, _) in wd.items():
        by_name[normalize(label)].append(qid_iri)
    for iri in sorted(places):
        p = places[iri]
        hits = sorted({q for lab in p.labels for q in by_name.get(normalize(lab), ())})
        if len(hits) != 1:
            continue
        qid_iri = hits[0]
        reference[qid_iri] = (wd[qid_iri][0], None)
        links.append(Link(
            iri, p.labels[0], OWL + "sameAs", qid_iri, wd[qid_iri][0], "LexicalMatching", "1.0",
            f"The zh name matches the only verified row of the QID table for {wd[qid_iri][0]} "
            f"({qid_iri.rsplit('/', 1)[-1]}); the QID was seen in stored public material (the "
            "table's evidence column), not guessed.", "wikidata", dataset_iri(WIKIDATA_QIDS)))

    # GB/T 4754: the committed, hand-justified table.
    industry_path = reference_path(cache, "industry")
    gbt = concept_labels(industry_path, GBT4754 + "/")
    table = mappings / "industry-gbt4754.tsv"
    subjects = {str(s) for s in graph.subjects()}  # type: ignore[attr-defined]
    for line, row in _read_tsv(table, ("subject", "predicate", "object", "object_label",
                                       "confidence", "justification")):
        subject, target = ID + row["subject"], gbt4754_iri(row["object"])
        if subject not in subjects:
            raise InputError(f"unknown subject {row['subject']} (not in the graph)",
                             source=display(table), line=line)
        if row["predicate"] not in PREDICATES:
            raise InputError(f"unknown predicate {row['predicate']}", source=display(table), line=line)
        if target not in gbt:
            raise InputError(f"GB/T 4754-2017 has no code {row['object']}", source=display(table),
                             line=line)
        if gbt[target][0] != row["object_label"]:
            raise InputError(f"{row['object']} is {gbt[target][0]!r} in the reference graph, not "
                             f"{row['object_label']!r}", source=display(table), line=line)
        label = _zh_label(graph, subject) or row["subject"]
        links.append(Link(subject, label, PREDICATES[row["predicate"]], target, gbt[target][0],
                          "ManualMappingCuration", row["confidence"], row["justification"],
                          "gbt4754", dataset_iri(GBT4754_TABLE)))
    collection = collection_members(industry_path, INDUSTRIAL)
    for target in [link.object for link in links if link.object.startswith(GBT4754 + "/")] + collection:
        cur: str | None = target
        while cur and cur not in reference:
            reference[cur] = gbt[cur]
            notations[cur] = cur[len(GBT4754) + 1:]
            cur = gbt[cur][1]

    # The article's "全国41个产业大类": observations counting industrial divisions.
    for obs in sorted(str(s) for s in graph.subjects(URIRef(KG + "indicator"), URIRef(INDICATOR_41))):  # type: ignore[attr-defined]
        label = _zh_label(graph, obs) or obs
        links.append(Link(
            obs, label, KG + "observedEntity", INDUSTRIAL, "工业大类(门类B、C、D的41个大类)",
            "ManualMappingCuration", "0.9",
            "The article counts 产业大类 (major industry categories) nationwide as 41; GB/T 4754-2017 "
            "has exactly 41 divisions in the industrial sections B 采矿业 (06–12), C 制造业 (13–43) "
            "and D 电力、热力、燃气及水生产和供应业 (44–46), checked at import. The observation "
            "counts (a subset of) that collection.", "gbt4754", dataset_iri(GBT4754_TABLE)))
    links.sort(key=lambda lk: (lk.linkset, lk.subject, lk.predicate, lk.object))
    return LinkResult(links, outcomes, reference, notations, collection, index)


def _zh_label(graph: "object", subject: str) -> str | None:
    from rdflib import Literal, URIRef

    labels = sorted(str(o) for o in graph.objects(URIRef(subject), URIRef(SKOS + "prefLabel"))  # type: ignore[attr-defined]
                    if isinstance(o, Literal) and (o.language or "").lower() == "zh-hans")
    return labels[0] if labels else None


# ---------------------------------------------------------------------------------------------
# Writing graph/links.ttl and graph/links.sssom.tsv
# ---------------------------------------------------------------------------------------------

LINKS_TTL = "links.ttl"
LINKS_SSSOM = "links.sssom.tsv"
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"

TTL_HEADER = """\
# graph/links.ttl — links from the Songjiang graph to open reference datasets.
# GENERATED by `kgtool link` (kgtool/link.py); do not edit: change graph/mappings/*.tsv or the
# matcher and re-run `kgtool link`. Deterministic (sorted Turtle, no blank nodes).
#
# What is in it (see docs/linking.md):
#   * mapping triples: place skos:exactMatch NBS division (name + containment), place owl:sameAs
#     Wikidata item (verified QIDs only), industry skos:{exact,close,broad,related}Match GB/T
#     4754-2017 concept (graph/mappings/industry-gbt4754.tsv), observation kg:observedEntity the
#     collection of the 41 industrial divisions;
#   * one link node per mapping, <link/…> a owl:Axiom (owl:annotatedSource/Property/Target, the
#     SSSOM record of graph/links.sssom.tsv): justification (semapv), confidence, author, date,
#     comment, the reference dataset it was derived from, and its VoID linkset;
#   * the reference records the links point to (code notations, zh labels, parents), so the
#     build and the queries work without the reference datasets;
#   * the VoID linksets (subset of <dataset/songjiang-kg>, described in graph/dataset.ttl).
"""


def to_graph(result: LinkResult, date: str) -> "object":
    """The links as an rdflib Graph (mapping triples, link nodes, reference records, linksets)."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF, RDFS, XSD

    from kgtool.reference.divisions import code_forms, level_iri, scheme_iri

    g = Graph()
    U = URIRef
    DCT, PROV, VOID = "http://purl.org/dc/terms/", "http://www.w3.org/ns/prov#", "http://rdfs.org/ns/void#"
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lk in result.links:
        s, p, o, node = U(lk.subject), U(lk.predicate), U(lk.object), U(lk.iri)
        g.add((s, p, o))
        g.add((node, RDF.type, U(OWL + "Axiom")))
        g.add((node, U(OWL + "annotatedSource"), s))
        g.add((node, U(OWL + "annotatedProperty"), p))
        g.add((node, U(OWL + "annotatedTarget"), o))
        g.add((node, U(SSSOM + "mapping_justification"), U(SEMAPV + lk.justification)))
        g.add((node, U(SSSOM + "confidence"), Literal(lk.confidence, datatype=XSD.decimal)))
        g.add((node, U(SSSOM + "author_label"), Literal("kgtool")))
        g.add((node, U(SSSOM + "mapping_date"), Literal(date, datatype=XSD.date)))
        g.add((node, RDFS.comment, Literal(lk.comment, lang="en")))
        g.add((node, U(PROV + "wasDerivedFrom"), U(lk.derived_from)))
        g.add((node, U(VOID + "inDataset"), U(LINKSETS[lk.linkset][0])))
        counts[lk.linkset][lk.predicate] += 1
    nbs_scheme = U(scheme_iri(NBS_DIVISIONS))
    for target, (label, broader) in sorted(result.reference.items()):
        t = U(target)
        if target.startswith(WIKIDATA):
            g.add((t, RDFS.label, Literal(label, lang="zh-Hans")))
            g.add((t, U(PROV + "wasDerivedFrom"), U(dataset_iri(WIKIDATA_QIDS))))
            continue
        code = result.notations[target]
        g.add((t, RDF.type, U(SKOS + "Concept")))
        g.add((t, U(SKOS + "notation"), Literal(code)))
        g.add((t, U(SKOS + "prefLabel"), Literal(label, lang="zh-Hans")))
        if broader:
            g.add((t, U(SKOS + "broader"), U(broader)))
        if target.startswith(division_iri("")):
            g.add((t, U(SKOS + "inScheme"), nbs_scheme))
            g.add((t, U(PROV + "wasDerivedFrom"), U(dataset_iri(NBS_DIVISIONS))))
            six, twelve = code_forms(code)
            if six:
                g.add((t, U(SKOS + "notation"), Literal(six, datatype=U(GBT2260_CODE))))
            if twelve:
                g.add((t, U(SKOS + "notation"), Literal(twelve, datatype=U(NBS12_CODE))))
            if broader:
                g.add((t, U("https://schema.org/containedInPlace"), U(broader)))
            lv = LEVEL_BY_LENGTH[len(code)]
            g.add((U(level_iri(lv, NBS_DIVISIONS)), U(SKOS + "member"), t))
        else:
            g.add((t, U(SKOS + "inScheme"), U(GBT4754)))
            g.add((t, U(PROV + "wasDerivedFrom"), U(dataset_iri(GBT4754_TABLE))))
    schemes = ((nbs_scheme, "统计用区划代码(2023年)", "NBS statistical division codes (2023)",
                NBS_DIVISIONS),
               (U(GBT4754), "国民经济行业分类(GB/T 4754-2017)",
                "Industrial classification for national economic activities (GB/T 4754-2017)",
                GBT4754_TABLE))
    for scheme, zh, en, profile in schemes:
        g.add((scheme, RDF.type, U(SKOS + "ConceptScheme")))
        g.add((scheme, U(SKOS + "prefLabel"), Literal(zh, lang="zh-Hans")))
        g.add((scheme, U(SKOS + "prefLabel"), Literal(en, lang="en")))
        g.add((scheme, U(PROV + "wasDerivedFrom"), U(dataset_iri(profile))))
    coll = U(INDUSTRIAL)
    g.add((coll, RDF.type, U(SKOS + "Collection")))
    g.add((coll, U(SKOS + "prefLabel"), Literal("工业大类(门类B、C、D的41个大类)", lang="zh-Hans")))
    g.add((coll, U(SKOS + "prefLabel"), Literal("industrial divisions (sections B, C, D)", lang="en")))
    g.add((coll, U(KG + "memberCount"), Literal(str(len(result.collection)), datatype=XSD.integer)))
    g.add((coll, U(PROV + "wasDerivedFrom"), U(dataset_iri(GBT4754_TABLE))))
    for member in result.collection:
        g.add((coll, U(SKOS + "member"), U(member)))
    for key, (linkset, profile) in LINKSETS.items():
        ls = U(linkset)
        g.add((ls, RDF.type, U(VOID + "Linkset")))
        g.add((U(OUR_DATASET), U(VOID + "subset"), ls))
        g.add((ls, U(VOID + "subjectsTarget"), U(OUR_DATASET)))
        g.add((ls, U(VOID + "objectsTarget"), U(dataset_iri(profile))))
        g.add((ls, U(DCT + "title"), Literal(f"links from the Songjiang graph to {profile.title_en}", lang="en")))
        g.add((ls, U(DCT + "license"), U(DATA_LICENCE)))
        g.add((ls, U(VOID + "triples"), Literal(str(sum(counts[key].values())), datatype=XSD.integer)))
        for pred in sorted(counts[key]):
            g.add((ls, U(VOID + "linkPredicate"), U(pred)))
        g.add((U(dataset_iri(profile)), RDF.type, U(VOID + "Dataset")))
        g.add((U(dataset_iri(profile)), U(DCT + "title"), Literal(profile.title_en, lang="en")))
        g.add((U(dataset_iri(profile)), U(DCT + "source"), U(profile.source_url)))
    return g


SSSOM_COLUMNS = ("record_id", "subject_id", "subject_label", "predicate_id", "object_id",
                 "object_label", "mapping_justification", "confidence", "author_label",
                 "mapping_date", "comment")


def to_sssom(result: LinkResult, date: str) -> bytes:
    """SSSOM TSV: a YAML metadata block in `#` lines, then one row per link, sorted."""
    meta = ["# curie_map:"]
    meta += [f"#   {k}: {v}" for k, v in sorted(CURIES.items())]
    meta += [
        "# mapping_set_id: https://w3id.org/kgtool/id/dataset/songjiang-kg-links",
        "# mapping_set_title: Links from the Songjiang knowledge graph to NBS division codes, "
        "GB/T 4754-2017 and Wikidata",
        f"# license: {DATA_LICENCE}",
        f"# mapping_date: {date}",
        "# mapping_tool: kgtool link (kgtool/link.py)",
        "# comment: GENERATED by `kgtool link`; the same links, with their link nodes, are in "
        "graph/links.ttl. record_id is the IRI of the link node there.",
    ]
    buf = io.StringIO()
    buf.write("\n".join(meta) + "\n")
    buf.write("\t".join(SSSOM_COLUMNS) + "\n")
    for lk in result.links:
        cells = [curie(lk.iri), curie(lk.subject), lk.subject_label, curie(lk.predicate),
                 curie(lk.object), lk.object_label, "semapv:" + lk.justification, lk.confidence,
                 "kgtool", date, lk.comment]
        buf.write("\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells) + "\n")
    return buf.getvalue().encode("utf-8")


def committed_date(path: Path) -> str | None:
    """The `mapping_date` of an existing SSSOM file, so a re-run does not change the bytes."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            m = re.match(r"#\s*mapping_date:\s*(\d{4}-\d{2}-\d{2})\s*$", line)
            if m:
                return m.group(1)
    except OSError:
        return None
    return None


def render(result: LinkResult, date: str) -> tuple[bytes, bytes]:
    """(links.ttl bytes, links.sssom.tsv bytes)."""
    from kgtool.io import serialize_turtle

    return serialize_turtle(to_graph(result, date), header=TTL_HEADER + "\n"), to_sssom(result, date)


def today() -> str:
    return _dt.date.today().isoformat()


def report(result: LinkResult, scores: Sequence[tuple[str, Score]] = ()) -> str:
    """The human-readable report of `kgtool link --report`."""
    lines = ["places:"]
    for o in result.outcomes:
        code = f" → {o.code}" if o.code else ""
        cands = f" candidates {' '.join(o.candidates[:6])}" if o.status == "ambiguous" and o.candidates else ""
        lines.append(f"  {o.status:9} {o.label}{code}  ({o.reason}){cands}")
    by_set: dict[str, int] = defaultdict(int)
    for lk in result.links:
        by_set[lk.linkset] += 1
    lines.append("links: " + ", ".join(f"{k} {v}" for k, v in sorted(by_set.items()))
                 + f" (total {len(result.links)})")
    for name, sc in scores:
        lines.append(sc.line(name))
    return "\n".join(lines) + "\n"
