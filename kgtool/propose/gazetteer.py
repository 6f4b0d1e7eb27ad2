"""Names to look for: the curated graph's labels, administrative divisions, GB/T 4754 classes.

Each name points to the node a mention would be about: an entity of the graph (its own IRI),
or a reference record not in the graph yet (a new `<place/…>` or `<industry/…>` with the
reference IRI as `skos:exactMatch`). Short forms of division names (洞泾 for 洞泾镇) are added
when they are unambiguous and are not themselves another unit's full name.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kgtool import namespaces
from kgtool.propose.rules import Rules

ENTITY_KINDS = ("place", "org", "person", "post", "industry", "concept", "document", "policy",
                "project", "event")
_ZH = "zh-Hans"


@dataclass
class Name:
    """A surface form and the node it names."""

    surface: str
    key: str                       # "{type}/{key}" under the project's ID base
    classes: tuple[str, ...]
    origin: str                    # graph | division | gbt4754 | pattern
    confidence: float
    match: str | None = None       # a reference IRI for skos:exactMatch
    extra: dict[str, str] = field(default_factory=dict)
    short: bool = False            # a short form (洞泾, 松江): never a mention inside a longer name


def _curie(iri: str) -> str:
    for prefix, base in sorted(namespaces.PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    return f"<{iri}>"


def from_graph(path: Path) -> list[Name]:
    """Labels (skos:prefLabel/altLabel, rdfs:label, foaf:name @zh-Hans) of the graph's entities."""
    from rdflib import URIRef
    from rdflib.namespace import FOAF, RDF, RDFS, SKOS

    from kgtool.io import parse_rdf  # noqa: PLC0415 - the one RDF reader; rdflib only when asked

    graph = parse_rdf(Path(path), format="turtle")
    scheme_indicator = URIRef(namespaces.thing("scheme", "指标"))
    names: list[Name] = []
    for s in sorted(set(graph.subjects(RDF.type, None)), key=str):
        if not isinstance(s, URIRef) or not s.startswith(namespaces.ID):
            continue
        key = s[len(namespaces.ID):]
        if key.split("/", 1)[0] not in ENTITY_KINDS:
            continue
        if (s, SKOS.inScheme, scheme_indicator) in graph:
            continue                 # indicators are proposed with their observations
        classes = tuple(sorted(_curie(str(c)) for c in graph.objects(s, RDF.type)))
        match = next((str(o) for o in sorted(graph.objects(s, SKOS.exactMatch), key=str)
                      if str(o).startswith(namespaces.ID + "division/")), None)
        labels = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, FOAF.name)
                  for o in graph.objects(s, p) if getattr(o, "language", None) == _ZH}
        alt = {str(o) for o in graph.objects(s, SKOS.altLabel)}
        for label in sorted(labels):
            short = label in alt and any(label in other for other in labels - {label})
            names.append(Name(label, key, classes, "graph", 0.9, match, short=short))
    return names


def _division_class(name: str, level: str) -> str:
    if level == "province":
        return "kg:Municipality" if name.endswith("市") else "kg:AdministrativeDivision"
    if level == "county":
        return "kg:District" if name.endswith("区") else "kg:AdministrativeDivision"
    if name.endswith("街道"):
        return "kg:Subdistrict"
    if name.endswith(("镇", "乡")):
        return "kg:Town"
    return "kg:SpecialZone"


def from_divisions(folder: Path, rules: Rules, graph_names: list[Name]) -> list[Name]:
    """Province-, county- and township-level names of the reference folder (full names, and
    short forms of provinces and counties; township short forms come from `local_short_forms`)."""
    from kgtool.reference.divisions import discover, iter_divisions

    by_match: dict[str | None, Name] = {n.match: n for n in graph_names if n.match}
    units = [d for d in iter_divisions(discover(folder)) if d.level in ("province", "county", "township")]
    names = [_division_name(d.name, d.code, d.level, by_match) for d in units]
    return names + short_forms(names, rules, levels=("province", "county"))


def _division_name(name: str, code: str, level: str, by_match: dict[str | None, Name]) -> Name:
    from kgtool.reference.common import division_iri

    iri = division_iri(code)
    known = by_match.get(iri)
    key = known.key if known else f"place/{name}"
    classes = known.classes if known else (_division_class(name, level),)
    return Name(name, key, classes, "division", 0.8, iri, {"code": code, "level": level})


def short_forms(names: list[Name], rules: Rules, *, levels: tuple[str, ...],
                within: str | None = None) -> list[Name]:
    """Unambiguous short forms (洞泾 for 洞泾镇) of division names at `levels` (and, if given,
    whose code starts with `within`): never another unit's full name, never a stop word."""
    mention = rules.section("mentions")
    suffixes: dict[str, list[str]] = mention.get("division_suffixes", {})
    stop = set(mention.get("short_stoplist", []))
    full = {n.surface for n in names}
    shorts: dict[str, list[Name]] = defaultdict(list)
    for n in names:
        level, code = n.extra.get("level"), n.extra.get("code", "")
        if n.origin != "division" or level not in levels or (within and not code.startswith(within)):
            continue
        for suffix in sorted(suffixes.get(level, []), key=len, reverse=True):
            short = n.surface[: -len(suffix)]
            if n.surface.endswith(suffix) and len(short) >= mention.get("min_short", 2):
                if short not in full and short not in stop:
                    shorts[short].append(Name(short, n.key, n.classes, "division", 0.6, n.match,
                                              {**n.extra, "short": "1"}, short=True))
                break
    return [found[0] for short, found in sorted(shorts.items()) if len({x.key for x in found}) == 1]


def _walk(nodes: list[dict], out: list[tuple[str, str]]) -> None:
    for node in nodes:
        if node.get("code") and node.get("name"):
            out.append((str(node["code"]), str(node["name"])))
        _walk(node.get("children") or [], out)


def from_gbt4754(folder: Path, rules: Rules) -> list[Name]:
    """Class names of GB/T 4754-2017 (every level of the tree, or the sections/divisions table)."""
    from kgtool.reference.common import gbt4754_iri

    pairs: list[tuple[str, str]] = []
    tree = folder / "gbt4754-2017_industry_tree_openagenet.json"
    if tree.is_file():
        data = json.loads(tree.read_text(encoding="utf-8"))
        _walk(data.get("tree", data) if isinstance(data, dict) else data, pairs)
    table = folder / "gbt4754-2017_sections_divisions.csv"
    if table.is_file():
        import csv
        with table.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                pairs.append((row["code"], row["name_zh"]))   # the table's names win (division 96)
    mention = rules.section("mentions")
    stop = set(mention.get("industry_stoplist", []))
    seen: dict[str, tuple[str, str]] = {}
    for code, name in pairs:
        if len(name) >= mention.get("industry_min_chars", 3) and name not in stop:
            seen[name] = (code, name)
    return [Name(name, f"industry/{name}", ("kg:Industry",), "gbt4754", 0.6, gbt4754_iri(code),
                 {"code": code}) for name, (code, _) in sorted(seen.items())]
