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
        return [Event(sentence.start + p.start, sentence.start + end, key, p.wording,
                      noun.group(0), nouns[noun.group(0)],
                      verb.group(0) if verb else None)]
    return []
