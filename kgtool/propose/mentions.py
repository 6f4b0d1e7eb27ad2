"""Mentions: known names found in the text (longest match wins), and organisations, posts and
people found by the article's patterns (区委书记王华杰, 区投资促进服务中心负责人).

Longest match: every occurrence of every name is a candidate; candidates are taken longest
first and one that overlaps a taken one is dropped, so 松江新城 is never also 松江 → 松江区, and a
shorter name inside a longer known name (an organisation found by pattern included) is no mention.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from kgtool.propose.gazetteer import Name
from kgtool.propose.rules import Rules


@dataclass(frozen=True)
class Mention:
    """A name at clean offsets [start, end)."""

    start: int
    end: int
    name: Name


def _index(names: list[Name]) -> dict[str, list[Name]]:
    priority = {"graph": 0, "pattern": 1, "division": 2, "gbt4754": 3}
    by_surface: dict[str, Name] = {}
    for n in sorted(names, key=lambda n: (priority.get(n.origin, 9), n.key)):
        by_surface.setdefault(n.surface, n)            # the graph's own entity wins a surface
    index: dict[str, list[Name]] = defaultdict(list)
    for n in by_surface.values():
        index[n.surface[0]].append(n)
    for bucket in index.values():
        bucket.sort(key=lambda n: -len(n.surface))
    return index


def _longest_first(candidates: list[Mention], size: int) -> list[Mention]:
    taken: list[Mention] = []
    used = bytearray(size)
    for c in sorted(candidates, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(used[c.start:c.end]):
            taken.append(c)
            used[c.start:c.end] = b"\x01" * (c.end - c.start)
    return taken


def tile(text: str, names: list[Name]) -> list[Mention]:
    """Mentions of `names` in `text`: non-overlapping, longest first; then, inside those, the
    full names of other nodes (东华大学 in 东华大学重点实验室, 松江综保区 inside an event's label),
    but never a short form (松江 inside 松江新城)."""
    index = _index(names)
    candidates: list[Mention] = []
    for i, ch in enumerate(text):
        for n in index.get(ch, ()):
            if text.startswith(n.surface, i):
                candidates.append(Mention(i, i + len(n.surface), n))
    taken = layer = _longest_first(candidates, len(text))
    for _ in range(3):                      # names inside names, a few levels deep
        cover = [-1] * len(text)            # which mention of the last layer covers a position
        for i, t in enumerate(layer):
            cover[t.start:t.end] = [i] * (t.end - t.start)
        chosen = {(t.start, t.end, t.name.key) for t in taken}
        inner = [c for c in candidates
                 if (c.start, c.end, c.name.key) not in chosen and not c.name.short
                 and cover[c.start] >= 0 and cover[c.start] == cover[c.end - 1]
                 and layer[cover[c.start]].name.key != c.name.key]
        layer = _longest_first(inner, len(text))
        if not layer:
            break
        taken = taken + layer
    return sorted(taken, key=lambda m: (m.start, m.end, m.name.key))


def _cut_function_words(run: str, rules: Rules) -> tuple[str, int]:
    """Drop everything up to the last function word of `run` (由区投资促进服务中心 → 区投资…)."""
    words = rules.longest_first("organisations", "leading_function_words")
    cut = 0
    for w in words:
        pos = run.rfind(w)
        if pos >= 0 and pos + len(w) > cut and pos + len(w) < len(run):
            cut = pos + len(w)
    return run[cut:], cut


def organisations(text: str, rules: Rules) -> list[tuple[int, int, str]]:
    """Organisation names by suffix: (start, end, name) in `text` offsets."""
    org = rules.section("organisations")
    suffixes = rules.alternation("organisations", "suffixes")
    pattern = re.compile(f"{org.get('name_chars', '[一-鿿]')}{{1,{org.get('max_chars', 24)}}}?(?:{suffixes})")
    chars = re.compile(org.get("name_chars", "[一-鿿]"))
    out: list[tuple[int, int, str]] = []
    for m in re.finditer(f"(?:{suffixes})", text):
        end = m.end()
        start = m.start()
        while start > 0 and chars.match(text[start - 1]) and end - start < org.get("max_chars", 24):
            start -= 1
        run, cut = _cut_function_words(text[start:end], rules)
        start += cut
        if run.endswith(tuple(org.get("suffix_stoplist", []))) or (start > 0 and text[start - 1].isdigit()):
            continue
        if len(run) >= org.get("min_chars", 3) and pattern.fullmatch(run) and len(run) > len(m.group(0)):
            out.append((start, end, run))
    return out


def industries(text: str, rules: Rules) -> list[str]:
    """Names of industries and fields by the patterns of [industries] (in text order)."""
    ind = rules.section("industries")
    seps = "|".join(re.escape(x) for x in ind.get("list_separators", ["、"]))
    lead = rules.longest_first("industries", "strip_leading")
    stop = set(ind.get("stoplist", []))
    reject = [re.compile(p) for p in ind.get("reject_patterns", [])]
    out: list[str] = []

    def keep(raw: str) -> None:
        name = raw.strip()
        changed = True
        while changed:
            changed = False
            for w in lead:
                if name.startswith(w) and len(name) > len(w):
                    name, changed = name[len(w):], True
        name = name.removesuffix("等")
        if (2 <= len(name) <= 10 and name not in stop and name not in out
                and not any(r.search(name) for r in reject)):
            out.append(name)

    for pattern in ind.get("patterns", []):
        for m in re.finditer(pattern, text):
            groups = m.groupdict()
            if groups.get("name"):
                keep(groups["name"])
            for item in re.split(seps, groups.get("list") or ""):
                if item:
                    keep(item)
            if groups.get("head"):
                keep(groups["head"])
    return out


def titles(text: str) -> list[tuple[int, int, str]]:
    """Titles of documents, as printed between 《》: (start, end, title) without the brackets."""
    return [(m.start(1), m.end(1), m.group(1)) for m in re.finditer(r"《([^《》\n]{2,80})》", text)]


@dataclass(frozen=True)
class PostMatch:
    """区委书记王华杰: the organisation text, the title, the person's name (or None)."""

    start: int
    end: int
    org_text: str
    org_start: int
    title: str
    person: str | None
    person_start: int | None


def posts(text: str, rules: Rules) -> list[PostMatch]:
    """Posts by "{organisation}{title}{name}?" followed by a speech verb or punctuation."""
    people = rules.section("people")
    titles = rules.alternation("people", "titles")
    followers = rules.alternation("people", "name_followers")
    surnames = people.get("surnames", "")
    name_re = re.compile(rf"[{surnames}]{people.get('name_chars', '[一-鿿]')}{{1,2}}(?={followers})")
    follow_re = re.compile(f"(?:{followers})")
    org_chars = re.compile(rules.section("organisations").get("name_chars", "[一-鿿]"))
    out: list[PostMatch] = []
    for m in re.finditer(f"(?:{titles})", text):
        start = m.start()
        while start > 0 and org_chars.match(text[start - 1]) and m.start() - start < 24:
            start -= 1
        org_text, cut = _cut_function_words(text[start:m.start()], rules)
        start += cut
        if len(org_text) < 2:
            continue
        after = text[m.end():]
        person = name_re.match(after)
        if person is None and not follow_re.match(after):
            continue
        end = m.end() + (person.end() if person else 0)
        out.append(PostMatch(start, end, org_text, start, m.group(0),
                             person.group(0) if person else None,
                             m.end() if person else None))
    return out
