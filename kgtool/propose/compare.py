"""A draft against curated facts: what it adds (`propose --diff`) and how much of the curated
facts it finds (bench/propose.py, tests/test_propose_recall.py).

Statistics match on (value, unit, period); entities on IRI or zh-Hans label, and dated events
also on their period. Curated statistics are observations; curated entities are the fact nodes of
the entity kinds (places, organisations, people, posts, industries, non-indicator concepts,
documents, policies, projects, events).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from kgtool import namespaces
from kgtool.propose.gazetteer import ENTITY_KINDS
from kgtool.propose.model import Draft, Proposal

_KG = namespaces.DEF


@dataclass(frozen=True)
class CuratedStat:
    key: str
    value: str
    unit: str
    period: str | None
    area: str | None = None         # refArea key: reported, not part of the match
    indicator: str | None = None    # the indicator's zh-Hans label: reported, not part of the match


@dataclass(frozen=True)
class CuratedEntity:
    key: str
    labels: frozenset[str]
    period: str | None


@dataclass
class Curated:
    stats: list[CuratedStat] = field(default_factory=list)
    entities: list[CuratedEntity] = field(default_factory=list)


def _norm_value(value: str) -> str:
    try:
        if "/" in value:
            f = Fraction(value)
            return f"{f.numerator}/{f.denominator}"
        return str(Decimal(value).normalize())
    except (InvalidOperation, ValueError, ZeroDivisionError):
        return value


def _curie(iri: str) -> str:
    for prefix in ("kgunit", "unit"):
        base = namespaces.PREFIXES[prefix]
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def load_curated(graphs: list[Path], quoted_in: Path | None = None) -> Curated:
    """Curated facts from `graphs` (Turtle, facts files or the built graph). With `quoted_in`,
    only the nodes that file quotes (`kg:sourceQuote`) count: the facts of one source."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import FOAF, RDF, RDFS, SKOS

    from kgtool.io import parse_rdf  # noqa: PLC0415 - the one RDF reader; rdflib only when asked

    g = Graph()
    for path in graphs:
        parse_rdf(Path(path), format="turtle", base=namespaces.ID, graph=g)
    prov = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    quote = URIRef(_KG + "sourceQuote")
    if quoted_in is not None:
        scope = parse_rdf(Path(quoted_in), format="turtle", base=namespaces.ID)
        nodes = set(scope.subjects(quote, None))
    else:
        nodes = set(g.subjects(prov, None)) | set(g.subjects(quote, None))
    sdmx = "http://purl.org/linked-data/sdmx/2009/"
    obs_value, unit_p = URIRef(sdmx + "measure#obsValue"), URIRef(sdmx + "attribute#unitMeasure")
    ref_period = URIRef(sdmx + "dimension#refPeriod")
    ref_area = URIRef(sdmx + "dimension#refArea")
    has_time = URIRef("http://www.w3.org/2006/time#hasTime")
    indicators = URIRef(namespaces.thing("scheme", "指标"))
    period_base = namespaces.thing("period", "")
    out = Curated()
    for s in sorted(nodes, key=str):
        if not isinstance(s, URIRef) or not s.startswith(namespaces.ID):
            continue
        key = s[len(namespaces.ID):]
        kind = key.split("/", 1)[0]
        if kind == "observation":
            value, unit = g.value(s, obs_value), g.value(s, unit_p)
            period, area = g.value(s, ref_period), g.value(s, ref_area)
            ind = g.value(s, URIRef(_KG + "indicator"))
            ind_label = next((str(o) for o in g.objects(ind, SKOS.prefLabel)
                              if getattr(o, "language", None) == "zh-Hans"), None) if ind else None
            if isinstance(value, Literal) and unit is not None:
                out.stats.append(CuratedStat(key, _norm_value(str(value)), _curie(str(unit)),
                                             str(period)[len(period_base):] if period else None,
                                             str(area)[len(namespaces.ID):] if area else None,
                                             ind_label))
        elif kind in ENTITY_KINDS and (s, SKOS.inScheme, indicators) not in g and (s, RDF.type, None) in g:
            labels = frozenset(str(o) for p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, FOAF.name)
                               for o in g.objects(s, p) if getattr(o, "language", None) == "zh-Hans")
            t = g.value(s, has_time)
            out.entities.append(CuratedEntity(key, labels, str(t)[len(period_base):] if t else None))
    return out


def _stat_key(p: Proposal) -> tuple[str, str, str | None] | None:
    if p.value is None:
        return None
    value, unit, period = p.value
    return _norm_value(value), unit, period


def _periods(p: Proposal) -> set[str]:
    return {v[len("<period/"):-1] for v in p.props.get("time:hasTime", [])}


def _entity_match(p: Proposal, e: CuratedEntity) -> bool:
    if p.key == e.key or (p.label and p.label in e.labels):
        return True
    return p.kind == "event" and e.period is not None and e.period in _periods(p)


@dataclass
class Score:
    stats_found: int
    stats_total: int
    stat_proposals: int
    stat_proposals_matched: int
    entities_found: int
    entities_total: int
    mention_proposals: int
    mention_proposals_matched: int
    missed_stats: list[CuratedStat]
    missed_entities: list[CuratedEntity]
    areas_agree: int = 0            # found statistics whose refArea is the curated one (or both none)
    indicators_agree: int = 0       # found statistics whose indicator has the curated label

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def stat_recall(self) -> float:
        return self._ratio(self.stats_found, self.stats_total)

    @property
    def stat_precision(self) -> float:
        return self._ratio(self.stat_proposals_matched, self.stat_proposals)

    @property
    def entity_recall(self) -> float:
        return self._ratio(self.entities_found, self.entities_total)

    @property
    def entity_precision(self) -> float:
        return self._ratio(self.mention_proposals_matched, self.mention_proposals)


def score(draft: Draft, curated: Curated) -> Score:
    """Recall of curated statistics and entities, and precision of the draft's proposals."""
    stat_props = [p for p in draft.proposals if p.kind == "statistic"]
    proposed = {_stat_key(p) for p in stat_props}
    curated_keys = {(s.value, s.unit, s.period) for s in curated.stats}
    missed = [s for s in curated.stats if (s.value, s.unit, s.period) not in proposed]
    mention_props = [p for p in draft.proposals if p.kind in ("mention", "entity", "event")]
    missed_e = [e for e in curated.entities if not any(_entity_match(p, e) for p in mention_props)]
    matched_m = sum(1 for p in mention_props if any(_entity_match(p, e) for e in curated.entities))
    areas = indicators = 0
    for s in curated.stats:
        found = [p for p in stat_props if _stat_key(p) == (s.value, s.unit, s.period)]
        if found:
            got = found[0].props.get("sdmx-dimension:refArea", [None])[0]
            areas += (got[1:-1] if got else None) == s.area
            ind = found[0].props.get("kg:indicator", [None])[0]
            indicators += ind is not None and ind[len("<concept/"):-1] == s.indicator
    return Score(len(curated.stats) - len(missed), len(curated.stats), len(stat_props),
                 sum(1 for p in stat_props if _stat_key(p) in curated_keys),
                 len(curated.entities) - len(missed_e), len(curated.entities),
                 len(mention_props), matched_m, missed, missed_e, areas, indicators)


def additions(draft: Draft, curated: Curated) -> list[Proposal]:
    """The proposals that add something over the curated facts (for `--diff`)."""
    curated_keys = {(s.value, s.unit, s.period) for s in curated.stats}
    out: list[Proposal] = []
    for p in draft.proposals:
        if p.kind == "statistic":
            if _stat_key(p) not in curated_keys:
                out.append(p)
        elif p.kind == "concept":
            continue                   # indicators travel with their observations
        elif not any(_entity_match(p, e) for e in curated.entities):
            out.append(p)
    return out
