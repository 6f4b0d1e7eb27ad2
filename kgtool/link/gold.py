"""Gold sets of place mentions and the precision/recall of the resolver on them."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from kgtool.link.matching import DivisionIndex
from kgtool.link.names import normalize, strip_suffix, to_fullwidth


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


GOLD_SETS = ("article-places", "nbs-generated")


def gold_scores(index: DivisionIndex | None, project_root: Path | None,
                cache: Path) -> list[tuple[str, Score]]:
    """Precision/recall of the resolver on the checkout's gold sets (tests/gold/*.tsv), for
    `kgtool link --report`; the index is rebuilt from the cache when the linker had none."""
    if project_root is None:
        return []
    if index is None:
        from kgtool.link.references import reference_path  # noqa: PLC0415
        from kgtool.reference import divisions  # noqa: PLC0415

        index = DivisionIndex(divisions.records_from_graph(reference_path(cache, "divisions")))
    paths = [(name, project_root / "tests" / "gold" / f"{name}.tsv") for name in GOLD_SETS]
    return [(name, score(read_gold(path), index)) for name, path in paths if path.is_file()]
