"""Statistics across sources: one statistic, agreeing and conflicting values, ranks (issue 8.4).

A *statistic* is what an observation measures: its indicator, place, period, unit and the other
dimensions that say what exactly was counted (observed entity, enterprise category, comparison
basis, the observation a growth rate is of). Two sources reporting the same statistic either

* agree (same value and approximation): then they must say so on one node -- the second source's
  facts quote the same `<observation/…>` again, which gives it one span in each source (two
  provenance records). Two nodes for one agreeing statistic are refused (exit 3), because a
  count of "the statistics" would otherwise count it twice; or
* conflict (different values): both nodes stay, each with its own provenance, `kgtool conflicts`
  lists them, and the declared ranking policy (`[ranking]` in seeds/sources.toml) ranks them the
  way Wikidata ranks statements: `wikibase:rank` preferred / normal / deprecated, and the
  best-ranked values of each statistic typed `wikibase:BestRank` (Wikidata's "truthy" values),
  so a query asks for `?obs a wikibase:BestRank` for the values to use (one per statistic when
  one is preferred; all the normal ones when the policy cannot choose).

`kg:rank` is not this: it is a league-table position the article reports ("全市第二").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from kgtool import namespaces
from kgtool.errors import InputError
from kgtool.sources import Registry

WIKIBASE = Namespace("http://wikiba.se/ontology#")
QB = Namespace(namespaces.PREFIXES["qb"])
KG = Namespace(namespaces.DEF)
OA = Namespace(namespaces.PREFIXES["oa"])
SDMX_DIM = Namespace(namespaces.PREFIXES["sdmx-dimension"])
SDMX_ATTR = Namespace(namespaces.PREFIXES["sdmx-attribute"])
SDMX_MEASURE = Namespace(namespaces.PREFIXES["sdmx-measure"])
RANK_IRIS = {"preferred": WIKIBASE.PreferredRank, "normal": WIKIBASE.NormalRank,
             "deprecated": WIKIBASE.DeprecatedRank}

# What identifies a statistic besides its value (order = how a key is shown).
KEY_PROPERTIES = (KG.indicator, SDMX_DIM.refArea, SDMX_DIM.refPeriod, SDMX_ATTR.unitMeasure,
                  KG.observedEntity, KG.enterpriseCategory, KG.comparisonBasis, KG.growthOf)


@dataclass
class Value:
    """One observation of a statistic: its value, the sources it comes from, its rank."""

    observation: URIRef
    value: Literal
    approximation: URIRef | None
    sources: list[str]
    rank: str = "normal"
    reason: str = ""

    @property
    def shown(self) -> str:
        approx = {"MoreThan": ">", "About": "~"}.get(str(self.approximation or "").rsplit("/", 1)[-1], "")
        return f"{approx}{self.value}"


@dataclass
class Statistic:
    """Observations sharing one key: more than one distinct value is a conflict."""

    key: tuple[URIRef | None, ...]
    values: list[Value] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return len({_value_id(v) for v in self.values}) > 1


def _value_id(v: Value) -> tuple[object, ...]:
    return (v.value.datatype, v.value.toPython(), v.approximation)


def sources_of(graph: Graph, node: URIRef) -> list[str]:
    """The keys of the sources a node's spans point into."""
    keys = set()
    for span in graph.objects(node, PROV.wasDerivedFrom):
        for doc in graph.objects(span, OA.hasSource):
            keys.add(str(doc).rsplit("/", 1)[-1])
    return sorted(keys)


def statistics(graph: Graph) -> list[Statistic]:
    """Every statistic with a value, its observations grouped by key, in a stable order."""
    groups: dict[tuple[URIRef | None, ...], Statistic] = {}
    for obs in sorted(set(graph.subjects(RDF.type, QB.Observation)), key=str):  # IRIs: by text
        value = graph.value(obs, SDMX_MEASURE.obsValue)
        if not isinstance(obs, URIRef) or not isinstance(value, Literal):
            continue
        key = tuple(graph.value(obs, p) for p in KEY_PROPERTIES)
        stat = groups.setdefault(key, Statistic(key))  # type: ignore[arg-type]  # key parts are IRIs (shapes)
        stat.values.append(Value(obs, value, graph.value(obs, KG.approximation),  # type: ignore[arg-type]  # approximation: an IRI
                                 sources_of(graph, obs)))
    return [groups[k] for k in sorted(groups, key=lambda k: tuple(str(x) for x in k))]


def _published(registry: Registry, key: str) -> tuple[str, str]:
    """The first and last day a record's publication date allows, as sortable ISO strings: a
    year-precision date ("2025") could be any day of that year; undated is ("", ""), the oldest."""
    src = registry.get(key)
    date = (src.published or "") if src else ""
    if not date:
        return "", ""
    return date + "-01-01"[len(date) - 4:], date + "-12-31"[len(date) - 4:]


def _newest(registry: Registry, value: Value) -> tuple[str, str]:
    """The publication interval of the latest of a value's sources."""
    spans = [_published(registry, k) for k in value.sources] or [("", "")]
    return max(s[0] for s in spans), max(s[1] for s in spans)


def rank(stat: Statistic, registry: Registry) -> None:
    """Set each value's rank: overrides first, then the policy for conflicts; else normal.

    latest-published prefers a value only when its source was certainly published after the
    source of every other value: its first possible day is after their last possible day. So
    equal dates prefer none, and neither do dates of different precision that overlap (2025 vs
    2025-12-20): which came later is not known, and a rank must not guess it."""
    overrides = {o.observation: o for o in registry.overrides}
    if stat.conflict and registry.policy == "latest-published":
        dates = {v.observation: _newest(registry, v) for v in stat.values}
        for v in stat.values:
            first = dates[v.observation][0]
            if first and all(first > dates[w.observation][1] for w in stat.values
                             if _value_id(w) != _value_id(v)):
                v.rank, v.reason = "preferred", "reported by the most recently published source"
        if not any(v.rank == "preferred" for v in stat.values):
            for v in stat.values:
                v.reason = "no source was certainly published after the others"
    for v in stat.values:
        local = str(v.observation)[len(namespaces.ID):]
        if local in overrides:
            v.rank, v.reason = overrides[local].rank, overrides[local].reason


def best(stat: Statistic) -> list[Value]:
    """The best-ranked values (Wikidata's truthy values): preferred if any, else normal."""
    for level in ("preferred", "normal"):
        chosen = [v for v in stat.values if v.rank == level]
        if chosen:
            return chosen
    return []


def check_agreeing(stat: Statistic) -> None:
    """Refuse two nodes for one agreeing statistic reported by different sources."""
    seen: dict[tuple[object, ...], Value] = {}
    for v in stat.values:
        other = seen.get(_value_id(v))
        if other is not None and set(other.sources) != set(v.sources):
            raise InputError(
                f"<{v.observation}> restates <{other.observation}> (same indicator, place, period "
                f"and value {v.shown}) from another source: quote it on <{other.observation}> "
                "instead, so the statistic is one node with a span in each source")
        seen.setdefault(_value_id(v), v)


def rank_observations(registry: Registry, graphs: dict[str, Graph]) -> list[Statistic]:
    """Rank every observation with a value and record the ranks in the graphs of the sources
    it comes from (wikibase:rank, and wikibase:BestRank for the values a query should use)."""
    union = Graph(bind_namespaces="none")
    for g in graphs.values():
        union += g
    stats = statistics(union)
    for stat in stats:
        check_agreeing(stat)
        rank(stat, registry)
        winners = {v.observation for v in best(stat)}
        for v in stat.values:
            for key in v.sources or [registry.default.key]:
                src = registry.get(key)
                g = graphs[src.graph_iri if src else registry.default.graph_iri]
                g.add((v.observation, WIKIBASE.rank, RANK_IRIS[v.rank]))
                if v.observation in winners:
                    g.add((v.observation, RDF.type, WIKIBASE.BestRank))
    return stats


def conflicts(graph: Graph, registry: Registry) -> list[Statistic]:
    """The statistics whose sources disagree, ranked."""
    out = [s for s in statistics(graph) if s.conflict]
    for stat in out:
        rank(stat, registry)
    return out


def label(graph: Graph, node: object) -> str:
    """A short name for a key part: its zh-Hans label, else its local name."""
    if node is None:
        return "-"
    for prop in ("http://www.w3.org/2004/02/skos/core#prefLabel", str(RDFS.label)):
        for lab in graph.objects(node, URIRef(prop)):  # type: ignore[arg-type]  # node: a key part, a Node
            if isinstance(lab, Literal) and (lab.language or "").lower() == "zh-hans":
                return str(lab)
    text = str(node)
    return text[len(namespaces.ID):] if text.startswith(namespaces.ID) else text.rsplit("/", 1)[-1]


def quotes(graph: Graph, node: URIRef) -> Iterable[tuple[str, str]]:
    """(span IRI local part, exact quote) of every span of `node`."""
    for span in sorted(graph.objects(node, PROV.wasDerivedFrom), key=str):  # span IRIs: by text
        for sel in graph.objects(span, OA.hasSelector):
            exact = graph.value(sel, OA.exact)
            if exact is not None:
                yield str(span)[len(namespaces.ID):], " ".join(str(exact).split())


__all__ = ["Statistic", "Value", "statistics", "rank", "best", "rank_observations", "conflicts",
           "WIKIBASE", "KEY_PROPERTIES"]
