"""Dated events: a sentence with a time phrase and an event noun (7月22日 … 全体会议召开).

The event is keyed like curated ones, `event/{period key}-{noun}`, dated with `time:hasTime
<period/…>` and `kg:dateWording`, and typed by the noun's class in patterns.toml.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kgtool.propose import timeexpr
from kgtool.propose.rules import Rules
from kgtool.propose.text import Sentence


@dataclass(frozen=True)
class Event:
    start: int                 # clean offsets of the quote: time phrase .. noun/verb
    end: int
    period: str
    wording: str
    noun: str
    cls: str
    verb: str | None


def _name(text: str, lo: int, start: int, end: int, rules: Rules) -> str:
    """The event's name: its noun with the words before it back to a boundary (”专题培训班,
    首个航空前置货站落户 -> 航空前置货站落户), at most `max_name_chars`."""
    events = rules.section("events")
    stops = set(events.get("name_boundaries", []))
    limit = events.get("max_name_chars", 12)
    i = start
    while i > lo and end - i < limit and "\u4e00" <= text[i - 1] <= "\u9fff" and text[i - 1] not in stops:
        i -= 1
    if i > lo and end - i >= limit:
        i = start                               # no boundary near: the noun alone
    return text[i:end]


def find(sentence: Sentence, rules: Rules, published: dt.date | None) -> list[Event]:
    """At most one event per dated sentence: the first event noun after its first date."""
    events = rules.section("events")
    nouns: dict[str, str] = events.get("nouns", {})
    noun_re = rules.compiled("event-noun", lambda r: re.compile(f"(?:{r.alternation('events', 'nouns')})"))
    verb_re = rules.compiled("event-verb", lambda r: re.compile(f"(?:{r.alternation('events', 'verbs')})"))
    phrases = timeexpr.find(sentence.text, rules)
    dated = [p for p in phrases if p.month is not None or p.relative is None and p.year is not None]
    for p in dated:
        key = p.key(published, timeexpr.stated_year(phrases) if p.year is None else None)
        if key is None:
            continue
        noun = noun_re.search(sentence.text, p.end)
        if noun is None:
            continue
        verb = verb_re.search(sentence.text, noun.start())
        end = max(noun.end(), verb.end() if verb and verb.start() - noun.end() <= 4 else noun.end())
        name = _name(sentence.text, p.end, noun.start(), noun.end(), rules)
        return [Event(sentence.start + p.start, sentence.start + end, key, p.wording,
                      name, nouns[noun.group(0)],
                      verb.group(0) if verb else None)]
    return []
