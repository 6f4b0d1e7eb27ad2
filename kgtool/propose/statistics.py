"""Statistical values: numbers with a unit, their indicator, period, rank, growth, approximation.

Per sentence of the clean view (docs/propose.md, "statistics"):
* a number (digits or a Chinese numeral) followed by a unit of units.tsv, or a fraction
  (七分之一), not part of an ordinal, formula or a time phrase, is an observation;
* its indicator is the phrase before it in its clause with leading verbs and area words stripped
  (规上工业总产值), or, for a count, the counted noun after it plus "数量" (链主企业数量);
* its period is the nearest time phrase before it in the sentence (a stated year wins over the
  publication date's), else a year-level phrase later in the sentence; none after an "undated"
  cue (一度), and an effect size (通关效率提高30%) takes only a time phrase in its own clause;
* a growth cue (同比增长) makes it a growth observation of the level before it; a rank phrase
  (保持全市第二, 连续三年稳居全市首位) ranks the nearest level observation before it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from kgtool.propose import timeexpr
from kgtool.propose.rules import Rules, Unit
from kgtool.propose.text import CHINESE_NUMERAL, Sentence, chinese_number

HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Stat:
    """One number found in a sentence (offsets are clean offsets into the whole text)."""

    start: int                      # start of the reported wording (approximation word included)
    end: int
    value: str                      # "3726.3", "50", "1/7"
    unit: Unit
    reported: str
    approximation: str | None = None
    indicator: str | None = None
    indicator_start: int | None = None
    period: str | None = None
    date_wording: str | None = None
    growth_basis: str | None = None     # "同比" for a growth figure
    growth_of: "Stat | None" = None
    effect: bool = False
    rank: int | None = None
    rank_scope: str | None = None
    streak: int | None = None
    rank_end: int | None = None
    noun_end: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_level(self) -> bool:
        return self.growth_basis is None and not self.effect


def _number_pattern(rules: Rules) -> re.Pattern[str]:
    units = "|".join(re.escape(u.surface) for u in rules.units)
    between = rules.alternation("approximation", "between")
    after = rules.alternation("approximation", "after")
    before = rules.alternation("approximation", "before")
    return re.compile(
        rf"(?P<before>{before})?"
        rf"(?:(?P<den>{CHINESE_NUMERAL}|[0-9]+)分之(?P<numer>{CHINESE_NUMERAL}|[0-9]+)"
        rf"|(?P<num>[0-9]+(?:\.[0-9]+)?|{CHINESE_NUMERAL})(?P<between>{between})?(?P<unit>{units})"
        rf"(?P<after>{after})?)")


def _rank_pattern(rules: Rules) -> re.Pattern[str]:
    rank = rules.section("rank")
    verbs = rules.alternation("rank", "verbs")
    scopes = rules.alternation("rank", "scopes")
    first = rules.alternation("rank", "first_words")
    adverbs = rules.alternation("rank", "adverbs")
    return re.compile(
        rf"(?:{rank.get('streak', '连续(?P<n>[0-9一二三四五六七八九十]+)年')})?(?:{adverbs})?"
        rf"(?:{verbs})(?P<scope>{scopes})(?P<peers>[\u4e00-\u9fff]{{0,4}}?)"
        rf"(?:第(?P<ord>[0-9]+|[一二三四五六七八九十]+)|(?P<first>{first}))")


def _value(text: str) -> str | None:
    if text[0].isdigit():
        return str(Decimal(text)) if "." in text else str(int(text))
    number = chinese_number(text)
    return None if number is None else str(number)


def _scaled(value: str, scale: int) -> str:
    """1.2 x 10000 -> "12000" (an integer when it is one)."""
    scaled = Decimal(value) * scale
    return str(int(scaled)) if scaled == scaled.to_integral_value() else str(scaled.normalize())


def _clause_start(text: str, pos: int, rules: Rules) -> int:
    marks = set(rules.section("text").get("clause_marks", [])) | set(
        rules.section("text").get("clause_ends", []))
    i = pos
    while i > 0 and text[i - 1] not in marks:
        i -= 1
    return i


def _indicator_before(text: str, start: int, rules: Rules, times: list[timeexpr.TimePhrase],
                      ) -> tuple[str, int] | None:
    """The indicator phrase before a number in its clause, and where it starts."""
    ind = rules.section("indicator")
    lo = _clause_start(text, start, rules)
    phrase_start = lo
    phrase = text[lo:start]
    for t in sorted(times, key=lambda t: -t.start):
        if lo <= t.start and t.end <= start:
            rel_s, rel_e = t.start - phrase_start, t.end - phrase_start
            if rel_s == 0:
                phrase, phrase_start = phrase[rel_e:], t.end
            else:
                phrase = phrase[:rel_s] + phrase[rel_e:]
    verbs = rules.longest_first("indicator", "strip_leading")
    single = set(ind.get("split_after_single", []))
    changed = True
    while changed and phrase:
        changed = False
        for w in verbs:
            if phrase.startswith(w):
                phrase, phrase_start, changed = phrase[len(w):], phrase_start + len(w), True
                break
        for w in verbs:                              # a verb inside: keep what follows it
            pos = phrase.rfind(w)
            if pos > 0 and (len(w) >= 2 or w in single):
                phrase, phrase_start, changed = phrase[pos + len(w):], phrase_start + pos + len(w), True
                break
    for w in rules.longest_first("indicator", "strip_trailing"):
        if phrase.endswith(w):
            phrase = phrase[: -len(w)]
    phrase = phrase.strip("“”\"' ")
    if len(phrase) < 2 or len(phrase) > ind.get("max_chars", 24) or not HAN.search(phrase):
        return None
    return phrase, phrase_start


def _counted_noun(text: str, end: int, rules: Rules) -> str | None:
    marks = set(rules.section("text").get("clause_marks", [])) | set(
        rules.section("text").get("clause_ends", [])) | set(rules.section("text").get("sentence_ends", []))
    marks.discard("、")                 # 50余家国家级、市级专精特新企业: one counted noun
    i = end
    while i < len(text) and text[i] not in marks and not text[i].isdigit() and i - end < 16:
        i += 1
    noun = text[end:i].rstrip("、")
    for verb in rules.longest_first("indicator", "strip_leading"):
        pos = noun.find(verb)
        if len(verb) >= 2 and pos >= 2:
            noun = noun[:pos]               # 12家银行推出98项…: the noun is 银行
    return noun if len(noun) >= 2 and HAN.match(noun) else None


def find(sentence: Sentence, rules: Rules, published: dt.date | None,
         scope_iris: dict[str, str]) -> list[Stat]:
    """The statistics of one sentence, with indicator, period, growth and rank resolved."""
    text = sentence.text
    numbers = rules.section("numbers")
    blocked_before = set(numbers.get("blocked_before", []))
    blocked_after = tuple(numbers.get("blocked_after", []))
    skip_values = set(numbers.get("skip_chinese_values", []))
    times = timeexpr.find(text, rules)
    ranks = list(rules.compiled("rank", _rank_pattern).finditer(text))
    rank_spans = [(m.start(), m.end()) for m in ranks]
    approx = {**rules.section("approximation").get("before", {}),
              **rules.section("approximation").get("between", {}),
              **rules.section("approximation").get("after", {})}
    growth_cues = rules.section("growth").get("cues", {})
    growth_re = rules.compiled("growth", lambda r: re.compile(f"(?:{r.alternation('growth', 'cues')})$"))
    effect_re = rules.compiled("effect", lambda r: re.compile(f"(?:{r.alternation('change', 'effect_cues')})$"))
    undated = rules.longest_first("time", "undated_cues")
    stats: list[Stat] = []
    for m in rules.compiled("number", _number_pattern).finditer(text):
        s, e = m.start(), m.end()
        core_start = m.start("num") if m.group("num") else m.start("den")
        if any(a <= core_start < b for a, b in rank_spans):
            continue
        if any(t.start <= core_start < t.end for t in times):
            continue
        if core_start > 0 and text[core_start - 1] in blocked_before:
            continue
        if text[e:].startswith(blocked_after):
            continue
        if m.group("num"):
            raw = m.group("num")
            if not raw[0].isdigit():
                if raw in skip_values or text[e:e + 1] == m.group("unit")[-1]:
                    continue                               # 一项项, 一条条
                before_char = text[m.start("num") - 1] if m.start("num") > 0 else ""
                if before_char and HAN.match(before_char) and not m.group("before"):
                    continue                               # inside a word: 紧随两天, 统一
            value = _value(raw)
            unit = next(u for u in rules.units if u.surface == m.group("unit"))
            if value is None:
                continue
            if unit.surface in ("年",) and len(raw) == 4:
                continue                                   # a year, not a duration
            if unit.kind == "duration" and not raw[0].isdigit() and numbers.get("durations_need_digits", True):
                continue                                   # 近三年, 两天: time spans, not figures
            if unit.scale != 1:
                value = _scaled(value, unit.scale)
            if unit.surface in ("日",) and s > 0 and text[s - 1] == "月":
                continue
        else:
            den, numer = _value(m.group("den")), _value(m.group("numer"))
            if den is None or numer is None or den == "0":
                continue
            value = f"{numer}/{den}"
            unit = Unit("分之", "unit:FRACTION", "ratio")
        qualifier = next((approx[w] for w in (m.group("before"), m.group("between"), m.group("after"))
                          if w and w in approx), None)
        stat = Stat(s, e, value, unit, m.group(0), qualifier)
        head = text[:s]
        eff: re.Match[str] | None = None
        g = growth_re.search(head) if unit.kind == "percent" else None
        if g:
            stat.growth_basis = growth_cues.get(g.group(0), "") or None
            stat.growth_basis = stat.growth_basis or "增长"
            stat.start, stat.reported = g.start(), g.group(0) + m.group(0)
        else:
            eff = effect_re.search(head) if unit.kind == "percent" else None
            if eff:
                stat.effect = True
                stat.start, stat.reported = eff.start(), eff.group(0) + m.group(0)
        found = _indicator_before(text, stat.start, rules, times)
        if found and stat.effect:                     # 通关效率提高30% -> 通关效率提升幅度
            suffix = rules.section("change").get("indicator_suffix", {}).get(eff.group(0), "") if eff else ""
            found = (found[0] + suffix, found[1])
        if found and not stat.growth_basis:
            stat.indicator, stat.indicator_start = found
        if unit.kind == "count" and (not stat.indicator or not stat.indicator.endswith(
                tuple(rules.section("indicator").get("cue_words", [])))):
            noun = _counted_noun(text, e, rules)
            if noun:
                stat.indicator = noun + rules.section("indicator").get("count_suffix", "数量")
                stat.noun_end = e + len(noun)
            elif stat.indicator:
                stat.indicator += rules.section("indicator").get("count_suffix", "数量")
        _date(stat, text, times, published, undated, rules)
        stats.append(stat)
    levels = [st for st in stats if st.is_level]
    for st in stats:
        if st.growth_basis:
            st.growth_of = next((lv for lv in reversed(levels) if lv.end <= st.start), None)
            if st.growth_of is not None and st.growth_of.indicator:
                st.indicator = _growth_indicator(st.growth_of.indicator, rules)
    for r in ranks:
        target = next((lv for lv in reversed(levels) if lv.end <= r.start()), None)
        if target is None or target.rank is not None:
            continue
        target.rank = 1 if r.group("first") else int(_value(r.group("ord")) or 0) or None
        target.rank_scope = scope_iris.get(r.group("scope")) if not r.group("peers") else None
        if r.group("n"):
            target.streak = int(_value(r.group("n")) or 0) or None
        target.rank_end = r.end()
        target.notes.append(f"rank phrase “{r.group(0)}”")
    for st in stats:
        st.start += sentence.start
        st.end += sentence.start
        if st.indicator_start is not None:
            st.indicator_start += sentence.start
        if st.rank_end is not None:
            st.rank_end += sentence.start
        if st.noun_end is not None:
            st.noun_end += sentence.start
    return stats


def _growth_indicator(level: str, rules: Rules) -> str:
    """产值 + 同比增长率 for the growth of an output value (the level indicator's last cue word)."""
    cues = sorted(rules.section("indicator").get("cue_words", []), key=len, reverse=True)
    base = next((c for c in cues if level.endswith(c)), level)
    return base + "同比" + rules.section("growth").get("indicator_suffix", "增长率")


def _date(stat: Stat, text: str, times: list[timeexpr.TimePhrase], published: dt.date | None,
          undated: list[str], rules: Rules) -> None:
    clause = _clause_start(text, stat.start, rules)
    head = text[:stat.start]
    if any(w in text[clause:stat.start] or w in head[-8:] for w in undated):
        stat.notes.append("undated cue: no period")
        return
    before = [t for t in times if t.end <= stat.start]
    if stat.effect:
        before = [t for t in before if t.start >= clause]
    after = [t for t in times if t.start >= stat.end and t.month is None] if not stat.effect else []
    chosen = before[-1] if before else (after[0] if after else None)
    if chosen is None:
        return
    year = timeexpr.stated_year(times)
    stat.period = chosen.key(published, year if chosen.year is None else None)
    stat.date_wording = chosen.wording
    if stat.period is not None and chosen.month is None:     # 今年5月 … 2025年…: keep the month
        for earlier in reversed(before[:-1]):
            key = earlier.key(published, year if earlier.year is None else None)
            if key and key.startswith(stat.period + "-"):
                stat.period, stat.date_wording = key, earlier.wording
                break
    if stat.period is None:
        stat.notes.append(f"“{chosen.wording}” needs a publication date (--published)")
