"""From a source text to a Draft: run every extractor and verify every quote.

Order and identifiers are fixed by the text (observations p001… in reading order, entities by
key), so the same input always gives the same draft.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator
from pathlib import Path

from kgtool.propose import events as events_mod
from kgtool.propose import gazetteer, mentions, quotes, statistics
from kgtool.propose.model import Draft, Proposal
from kgtool.propose.model import literal as _lit
from kgtool.propose.rules import Rules
from kgtool.propose.text import CleanText, Sentence, clean_view, sentences
from kgtool.provenance import Span

MAX_QUOTES = 3              # quotes kept per mentioned entity (the first ones in the text)


@dataclass
class Context:
    """What a run knows besides the text: names, publication date, reference folders."""

    names: list[gazetteer.Name] = field(default_factory=list)
    published: dt.date | None = None
    published_text: str | None = None   # the date as given (a year stays a year)
    source_key: str = "draft"
    source_label: str = ""
    progress: Callable[[str, int, int], None] | None = None   # (stage, done, total), for a tty


def _sentence_of(sents: list[Sentence], pos: int) -> Sentence:
    lo, hi = 0, len(sents) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sents[mid].start <= pos:
            lo = mid
        else:
            hi = mid - 1
    return sents[lo]


class _Builder:
    def __init__(self, ct: CleanText, sents: list[Sentence], rules: Rules, ctx: Context) -> None:
        self.ct, self.sents, self.rules, self.ctx = ct, sents, rules, ctx
        self.proposals: dict[str, Proposal] = {}
        self.skipped: list[str] = []

    def sents_for(self, stage: str) -> Iterator[Sentence]:
        """The sentences, reporting progress every 500 (and at the end) when asked to."""
        report = self.ctx.progress
        total = len(self.sents)
        for i, sentence in enumerate(self.sents):
            if report and i % 500 == 0:
                report(stage, i, total)
            yield sentence
        if report:
            report(stage, total, total)

    def span(self, start: int, end: int, what: str) -> Span | None:
        s = quotes.verified(self.ct, start, end, _sentence_of(self.sents, start))
        if s is None:
            self.skipped.append(f"{what}: “{self.ct.clean[start:end]}” is not unique in its sentence")
        return s

    def entity(self, key: str, classes: tuple[str, ...], label: str | None, confidence: float,
               origin: str, existing: bool) -> Proposal:
        p = self.proposals.get(key)
        if p is None:
            p = Proposal(key, "mention" if existing else "entity", list(classes), label=label,
                         confidence=confidence, existing=existing, note=origin)
            self.proposals[key] = p
        p.confidence = max(p.confidence, confidence)
        return p

    def quote(self, p: Proposal, start: int, end: int) -> None:
        if len(p.spans) >= MAX_QUOTES:
            return
        s = self.span(start, end, p.key)
        if s is not None and all(s.key != t.key for t in p.spans):
            p.spans.append(s)


def _home_district(found: list[mentions.Mention]) -> gazetteer.Name | None:
    counts = Counter(m.name.key for m in found if "kg:District" in m.name.classes)
    if not counts:
        return None
    key = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return next(m.name for m in found if m.name.key == key)


def build(source: str, rules: Rules, ctx: Context) -> Draft:
    """The draft of `source` (already decoded text)."""
    ct = clean_view(source, rules)
    sents = sentences(ct.clean, rules)
    b = _Builder(ct, sents, rules, ctx)
    text = ct.clean
    # organisations by pattern join the known names, so longest match sees them
    known = {n.surface: n for n in ctx.names if n.origin == "graph"}
    pattern_orgs = [_pattern_org(name, known, rules) for _, _, name in mentions.organisations(text, rules)]
    pattern_orgs += [gazetteer.Name(title, f"document/{title}", ("kg:PolicyDocument",), "pattern", 0.6)
                     for _, _, title in mentions.titles(text)]
    pattern_orgs += [gazetteer.Name(name, f"industry/{name}", ("kg:Industry",), "pattern", 0.4)
                     for name in mentions.industries(text, rules)]
    if ctx.progress:
        ctx.progress("mentions", 0, 1)
    found = mentions.tile(text, ctx.names + pattern_orgs)
    home = _home_district(found)
    if home is not None and home.match:
        code = home.match.rsplit("/", 1)[-1]
        division_names = [n for n in ctx.names if n.origin == "division" and "short" not in n.extra]
        local = gazetteer.short_forms(division_names, rules, levels=("township",), within=code)
        if local:
            found = mentions.tile(text, ctx.names + pattern_orgs + local)
    for m in found:
        n = m.name
        p = b.entity(n.key, n.classes, n.surface, n.confidence, n.origin, n.origin == "graph")
        if not p.existing:
            p.add("skos:prefLabel", _lit(n.surface))
            if n.match:
                # a pointer for the curator, not a mapping: `kgtool link` writes audited ones
                p.add("rdfs:seeAlso", f"<{n.match}>")
        b.quote(p, m.start, m.end)
    _posts(b, found, home)
    _statistics(b, home, found)
    _events(b)
    ordered = sorted(b.proposals.values(), key=lambda p: (_ORDER.get(p.kind, 9), p.key))
    kept = [p for p in ordered if p.spans]
    return Draft(ctx.source_key, ctx.source_label,
                 ctx.published_text or (ctx.published.isoformat() if ctx.published else None),
                 kept, b.skipped)


def _pattern_org(name: str, known: dict[str, gazetteer.Name], rules: Rules) -> gazetteer.Name:
    """An organisation found by its suffix; its formal name rewritten (rules) may be a known one."""
    import re

    for pattern, replacement in rules.section("organisations").get("rewrites", []):
        canonical = re.sub(pattern, replacement, name)
        if canonical != name and canonical in known:
            k = known[canonical]
            return gazetteer.Name(name, k.key, k.classes, "graph", 0.7, k.match)
    return gazetteer.Name(name, f"org/{name}", ("org:Organization",), "pattern", 0.5)


_ORDER = {"dataset": 0, "statistic": 1, "concept": 2, "event": 3, "entity": 4, "mention": 5}


def _expand_local(org_text: str, home: gazetteer.Name | None, rules: Rules) -> str:
    """区经委 → 松江区经委: a leading 区 abbreviates the document's district."""
    prefix = rules.section("organisations").get("local_prefix", "")
    if home and prefix and org_text.startswith(prefix) and not org_text.startswith(home.surface):
        return home.surface + org_text[len(prefix):]
    return org_text


def _posts(b: _Builder, found: list[mentions.Mention], home: gazetteer.Name | None) -> None:
    anaphora = set(b.rules.section("people").get("anaphora", []))
    orgs = [m for m in found if m.name.key.startswith("org/")]
    known = {n.surface: n for n in b.ctx.names}
    for pm in mentions.posts(b.ct.clean, b.rules):
        org_text = pm.org_text
        if org_text in anaphora:
            earlier = [m for m in orgs if m.end <= pm.start and m.name.surface.endswith(org_text)
                       and m.name.surface != org_text]
            if not earlier:
                continue
            org_text = earlier[-1].name.surface
        org_text = _expand_local(org_text, home, b.rules)
        post_label = org_text + pm.title
        post_name = known.get(post_label)
        post_key = post_name.key if post_name else f"post/{post_label}"
        post = b.entity(post_key, post_name.classes if post_name else ("org:Post",), post_label,
                        0.7, "pattern: organisation + title", post_name is not None)
        if not post.existing:
            post.add("skos:prefLabel", _lit(post_label))
            org_name = known.get(org_text) or known.get(pm.org_text)
            post.add("org:postIn", f"<{org_name.key if org_name else 'org/' + org_text}>")
        b.quote(post, pm.start, pm.person_start or pm.end)
        if pm.person:
            person_name = known.get(pm.person)
            person_key = person_name.key if person_name else f"person/{pm.person}"
            person = b.entity(person_key, ("foaf:Person",), pm.person, 0.7,
                              "pattern: title + name", person_name is not None)
            if not person.existing:
                person.add("foaf:name", _lit(pm.person))
                person.add("org:holds", f"<{post_key}>")
            b.quote(person, pm.start, pm.end)


def _resolve_places(table: dict[str, str], home: gazetteer.Name | None,
                    names: list[gazetteer.Name]) -> dict[str, str]:
    """Word -> place key, with @district (the home district) and @city (the province-level unit
    whose code prefixes the home district's) resolved; words that resolve to nothing are left out."""
    city = None
    if home is not None and home.match:
        code = home.match.rsplit("/", 1)[-1][:2]
        city = next((n.key for n in names if n.match and n.match.rsplit("/", 1)[-1] == code), None)
    out = {}
    for word, target in table.items():
        target = {"@district": home.key if home else "", "@city": city or ""}.get(target, target)
        if target:
            out[word] = target
    return out


def _area(st: statistics.Stat, sentence: Sentence, places: list[mentions.Mention],
          words: dict[str, str], text: str, rules: Rules) -> str | None:
    """The last place named before the figure in its sentence, or an area word after it."""
    area = rules.section("area")
    after_bad = tuple(area.get("not_followed_by", []))
    before_bad = tuple(area.get("not_preceded_by", []))
    before = [m for m in places if sentence.start <= m.start and m.end <= st.start]
    lo = before[-1].end if before else sentence.start
    best: tuple[int, str] | None = None
    for word, key in words.items():
        pos = text.find(word, lo, st.start)
        while pos >= 0:
            if not text.startswith(after_bad, pos + len(word)) and not text[:pos].endswith(before_bad):
                if best is None or pos > best[0]:
                    best = (pos, key)
            pos = text.find(word, pos + 1, st.start)
    if best is not None:
        return best[1]
    return before[-1].name.key if before else None


def _dataset(b: _Builder) -> str | None:
    """The qb:DataSet the draft's observations belong to, quoted by the text's first sentence."""
    key = f"dataset/{b.ctx.source_key}-statistics"
    if key not in b.proposals and b.sents:
        first = b.sents[0]
        span = b.span(first.start, first.end, key)
        if span is None:
            return None
        d = Proposal(key, "dataset", ["qb:DataSet"], label=f"{first.text}中的统计数据", confidence=0.9)
        d.add("skos:prefLabel", _lit(f"{first.text}中的统计数据"))
        d.add("skos:prefLabel", _lit(f"Statistics reported in {b.ctx.source_key}", "en"))
        d.spans.append(span)
        b.proposals[key] = d
    return key


def _statistics(b: _Builder, home: gazetteer.Name | None, found_mentions: list[mentions.Mention]) -> None:
    scopes = _resolve_places(b.rules.section("rank").get("scopes", {}), home, b.ctx.names)
    area_words = _resolve_places(b.rules.section("area").get("words", {}), home, b.ctx.names)
    places = [m for m in found_mentions if m.name.key.startswith("place/")]
    number = 0
    for sentence in b.sents_for("statistics"):
        found = statistics.find(sentence, b.rules, b.ctx.published, scopes)
        keys: dict[int, str] = {}
        for st in found:
            number += 1
            key = f"observation/p{number:03d}"
            keys[id(st)] = key
            span = b.span(st.indicator_start if st.indicator_start is not None
                          and st.indicator_start < st.start else st.start, st.noun_end or st.end, key)
            if span is None:
                continue
            p = Proposal(key, "statistic", ["qb:Observation"], value=(st.value, st.unit.curie, st.period))
            p.spans.append(span)
            dataset = _dataset(b)
            if dataset:
                p.add("qb:dataSet", f"<{dataset}>")
            if not st.indicator:
                st.indicator = b.rules.section("indicator").get("fallback_by_kind", {}).get(st.unit.kind)
                st.notes.append("placeholder indicator: name what is measured")
                placeholder = True
            else:
                placeholder = False
            if st.indicator:
                concept = f"concept/{st.indicator}"
                p.add("kg:indicator", f"<{concept}>")
                _indicator(b, concept, st.indicator, st)
            p.add("sdmx-measure:obsValue", _number(st.value))
            p.add("sdmx-attribute:unitMeasure", st.unit.curie)
            p.add("kg:reportedValue", _lit(st.reported))
            area = _area(st, sentence, places, area_words, b.ct.clean, b.rules)
            if area:
                p.add("sdmx-dimension:refArea", f"<{area}>")
            if st.period:
                p.add("sdmx-dimension:refPeriod", f"<period/{st.period}>")
            if st.date_wording and not st.date_wording[:4].isdigit():
                p.add("kg:dateWording", _lit(st.date_wording))
            if st.approximation:
                p.add("kg:approximation", f"kg:{st.approximation}")
            if st.rank:
                p.add("kg:rank", str(st.rank))
                if st.rank_scope:
                    p.add("kg:rankScope", f"<{st.rank_scope}>")
                if st.streak:
                    p.add("kg:consecutiveYears", str(st.streak))
                if st.rank_end is not None:
                    extra = b.span(st.start, st.rank_end, key)
                    if extra is not None and extra.key != span.key:
                        p.spans.append(extra)
            if st.growth_basis:
                if st.growth_of is not None and id(st.growth_of) in keys:
                    p.add("kg:growthOf", f"<{keys[id(st.growth_of)]}>")
                if st.growth_basis in ("同比", "环比"):
                    p.add("kg:comparisonBasis", f"<concept/{st.growth_basis}>")
            confidence = 0.5 + (0.2 if st.indicator and not placeholder else 0) + (0.1 if st.period else 0) + (
                0.1 if st.rank or st.growth_basis else 0)
            p.confidence = min(confidence, 0.9)
            p.note = "; ".join(st.notes)
            b.proposals[key] = p


def _indicator(b: _Builder, key: str, label: str, st: statistics.Stat) -> None:
    if key in b.proposals:
        return
    c = Proposal(key, "concept", ["skos:Concept"], label=label, confidence=0.5)
    c.add("skos:prefLabel", _lit(label))
    c.add("skos:inScheme", "<scheme/指标>")
    start = st.indicator_start if st.indicator_start is not None else st.start
    s = b.span(start, st.end, key)
    if s is not None:
        c.spans.append(s)
        b.proposals[key] = c


def _number(value: str) -> str:
    if "/" in value:
        return f'"{value}"^^owl:rational'
    return value


def _events(b: _Builder) -> None:
    for sentence in b.sents_for("events"):
        for ev in events_mod.find(sentence, b.rules, b.ctx.published):
            key = f"event/{ev.period}-{ev.noun}"
            label = f"{ev.wording}{ev.noun}"
            p = b.proposals.get(key) or Proposal(key, "event", [ev.cls], label=label, confidence=0.6)
            p.add("skos:prefLabel", _lit(label))
            p.add("time:hasTime", f"<period/{ev.period}>")
            p.add("kg:dateWording", _lit(ev.wording))
            s = b.span(ev.start, ev.end, key)
            if s is not None and all(s.key != t.key for t in p.spans):
                p.spans.append(s)
                b.proposals[key] = p


def load_names(graph: Path | None, divisions: Path | None, industry: Path | None,
               rules: Rules) -> list[gazetteer.Name]:
    """Every name to look for, from whichever of the three inputs is given."""
    names: list[gazetteer.Name] = []
    if graph is not None:
        names += gazetteer.from_graph(graph)
    if divisions is not None:
        names += gazetteer.from_divisions(divisions, rules, names)
    if industry is not None:
        names += gazetteer.from_gbt4754(industry, rules)
    return names
