"""Building the links: places to NBS divisions and Wikidata, industries to GB/T 4754-2017.

Nothing here writes a file: `build_links` returns a `LinkResult` that kgtool.link.write renders.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kgtool.errors import InputError
from kgtool.link.matching import (
    KG, SKOS, DivisionIndex, PlaceOutcome, link_places, places_from_graph,
)
from kgtool.link.names import normalize
from kgtool.link.references import collection_members, concept_labels, reference_path
from kgtool.namespaces import ID
from kgtool.reference.common import (
    GBT4754, GBT4754_TABLE, NBS_DIVISIONS, WIKIDATA, WIKIDATA_QIDS, dataset_iri, display,
    division_iri, gbt4754_iri,
)

if TYPE_CHECKING:  # pragma: no cover - rdflib is imported by the callers
    from rdflib import Graph

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


def build_links(graph: "Graph", cache: Path, mappings: Path) -> LinkResult:
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
    subjects = {str(s) for s in graph.subjects()}
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
    for obs in sorted(str(s) for s in graph.subjects(URIRef(KG + "indicator"), URIRef(INDICATOR_41))):
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


def _zh_label(graph: "Graph", subject: str) -> str | None:
    from rdflib import Literal, URIRef

    labels = sorted(str(o) for o in graph.objects(URIRef(subject), URIRef(SKOS + "prefLabel"))
                    if isinstance(o, Literal) and (o.language or "").lower() == "zh-hans")
    return labels[0] if labels else None
