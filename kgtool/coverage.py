"""Coverage of the article by the graph: is every number and every sentence backed by a fact?

Issue #2 point 5 asks that completeness be checked, not hoped for. We walk the seed and list

* **number-bearing tokens** -- every run of Arabic digits (with its decimal part, `%` or `+`) and
  every occurrence of the Chinese-numeral expressions declared in `CHINESE_NUMERALS` -- that lie
  inside no fact span, and
* **sentences** (split at 。！？!? and blank lines) that overlap no fact span,

where the fact spans are the `oa:TextPositionSelector` offsets of the spans that fact nodes
`prov:wasDerivedFrom` in the graph. Text listed in `graph/coverage-exclusions.toml` (each entry
with the exact `text` and a `reason`) is excused; the entries must occur in the seed and may
excuse at most a fifth of the sentences. `kgtool coverage` prints the gaps with offsets.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, Namespace

from kgtool import namespaces, provenance
from kgtool.errors import InputError

if TYPE_CHECKING:
    from kgtool.project import Project
    from kgtool.sources import Source

OA = Namespace(namespaces.PREFIXES["oa"])

# Chinese-numeral expressions that carry a number (issue #2 point 5 plus those found in the text).
# Idioms whose numerals carry no fact (四梁八柱, 千字当头, 奋力一跳, 一盘棋, 一揽子) are left out.
CHINESE_NUMERALS: tuple[str, ...] = (
    "二十届三中全会", "第六届", "第九次", "一度", "七分之一", "千亿级", "百亿元级",
    "两大", "三大", "四大", "4个", "两天", "三届", "三年", "首个", "首批", "首次", "三证",
    "一日", "数月", "第一根",
)
ARABIC = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?[%％+＋]?")
_TERMINATORS = "。！？!?"
_CLOSERS = "”’」』）)\"'"
_SENTENCE_END = re.compile(rf"[{re.escape(_TERMINATORS)}][{re.escape(_CLOSERS)}]*|\n[^\S\n]*\n\s*")
MAX_EXCLUDED_SHARE = 1 / 5


@dataclass(frozen=True)
class Piece:
    """A token or sentence of the seed: `seed[start:end] == text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Exclusion:
    text: str
    reason: str
    regions: tuple[tuple[int, int], ...]


@dataclass
class CoverageReport:
    """What is covered, what is not, and what is wrong with the exclusion file."""

    tokens: list[Piece]
    sentences: list[Piece]
    uncovered_tokens: list[Piece]
    uncovered_sentences: list[Piece]
    excluded_sentences: list[Piece]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.uncovered_tokens or self.uncovered_sentences or self.problems)


def number_tokens(seed: str) -> list[Piece]:
    """Every Arabic-digit run and every declared Chinese-numeral expression, in text order."""
    found = {(m.start(), m.end()) for m in ARABIC.finditer(seed)}
    for expr in CHINESE_NUMERALS:
        pos = seed.find(expr)
        while pos != -1:
            found.add((pos, pos + len(expr)))
            pos = seed.find(expr, pos + 1)
    return [Piece(s, e, seed[s:e]) for s, e in sorted(found)]


def sentences(seed: str) -> list[Piece]:
    """Sentences split after 。！？!? (with trailing closing quotes) and at blank lines; trimmed;
    pieces without any letter, digit or CJK character are dropped."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(seed):
        end = m.end() if not m.group(0).startswith("\n") else m.start()
        out.append((start, end))
        start = m.end()
    out.append((start, len(seed)))
    pieces = []
    for s, e in out:
        while s < e and seed[s].isspace():
            s += 1
        while e > s and seed[e - 1].isspace():
            e -= 1
        if s < e and re.search(r"\w", seed[s:e]):
            pieces.append(Piece(s, e, seed[s:e]))
    return pieces


def spans_of(graph: Graph, source: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of every span some node `prov:wasDerivedFrom` in `graph` (only the spans
    into document `source`, an IRI, when given: offsets of two sources are not comparable)."""
    spans = set()
    for span in set(graph.objects(None, PROV.wasDerivedFrom)):
        if not isinstance(span, URIRef):
            continue
        if source is not None and (span, OA.hasSource, URIRef(source)) not in graph:
            continue
        for selector in graph.objects(span, OA.hasSelector):
            start, end = graph.value(selector, OA.start), graph.value(selector, OA.end)
            if start is not None and end is not None:
                spans.add((int(str(start)), int(str(end))))
    return sorted(spans)


def load_exclusions(path: Path, seed: str, *, source: str | None = None,
                    document: str | None = None) -> tuple[list[Exclusion], list[str]]:
    """Parse the exclusion file (absent = no exclusions); return entries and problems found.

    An entry may say which source document it is about (`source = "key"`); entries without one
    are about the default source. With `document` (another source's key) only the entries
    naming it are read; without, only the entries naming none."""
    name = source or str(path)
    if not path.exists():
        return [], []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        raise InputError(f"bad TOML: {str(exc).split(' (at line')[0]}", source=name,
                         line=int(m.group(1)) if m else None,
                         column=int(m.group(2)) if m else None) from None
    entries, problems = [], []
    items = data.get("exclude", [])
    if not isinstance(items, list):
        raise InputError("expected [[exclude]] tables", source=name)
    for i, item in enumerate(items, 1):
        if item.get("source") != document:
            continue
        text, reason = item.get("text"), item.get("reason")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{name}: exclusion #{i} has no text")
            continue
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f'{name}: exclusion #{i} ("{text}") gives no reason')
        regions = _occurrences(seed, text)
        if not regions:
            problems.append(f'{name}: exclusion #{i} text "{text}" does not occur in the seed')
        entries.append(Exclusion(text, reason or "", tuple(regions)))
    return entries, problems


def _occurrences(seed: str, text: str) -> list[tuple[int, int]]:
    """Where `text` occurs exactly, or else with page-break whitespace skipped."""
    found, pos = [], seed.find(text)
    while pos != -1:
        found.append((pos, pos + len(text)))
        pos = seed.find(text, pos + 1)
    if found:
        return found
    pattern = provenance.break_tolerant_pattern(text)
    return [(m.start(), m.end()) for m in pattern.finditer(seed)]


def _inside(piece: Piece, regions: list[tuple[int, int]]) -> bool:
    return any(s <= piece.start and piece.end <= e for s, e in regions)


def _core(piece: Piece) -> Piece:
    """The sentence without its terminator and quotes, for matching against an exclusion."""
    strip = _TERMINATORS + _CLOSERS + "“‘「『（(" + " \t\n"
    s, e = piece.start, piece.end
    while e > s and piece.text[e - 1 - piece.start] in strip:
        e -= 1
    while s < e and piece.text[s - piece.start] in strip:
        s += 1
    return Piece(s, e, piece.text[s - piece.start:e - piece.start])


def check(seed: str, graph: Graph, exclusions_path: Path, *,
          exclusions_source: str | None = None, document: str | None = None,
          document_iri: str | None = None) -> CoverageReport:
    """Check the seed's coverage by the fact spans in `graph`, honouring the exclusion file.
    With `document`/`document_iri` (a non-default source's key and IRI) only that document's
    spans and exclusion entries count."""
    spans = spans_of(graph, document_iri)
    entries, problems = load_exclusions(exclusions_path, seed, source=exclusions_source,
                                        document=document)
    excluded = [r for entry in entries for r in entry.regions]
    tokens = number_tokens(seed)
    sents = sentences(seed)
    uncovered_tokens = [t for t in tokens if not _inside(t, spans) and not _inside(t, excluded)]
    excused = [s for s in sents if _inside(_core(s), excluded)]
    uncovered_sentences = [s for s in sents
                           if not any(a < s.end and s.start < b for a, b in spans)
                           and s not in excused]
    limit = int(len(sents) * MAX_EXCLUDED_SHARE)
    if len(excused) > limit or len(entries) > limit:
        problems.append(f"exclusions excuse {len(excused)} sentence(s) in {len(entries)} entries; "
                        f"at most a fifth of the {len(sents)} sentences ({limit}) may be excluded")
    return CoverageReport(tokens, sents, uncovered_tokens, uncovered_sentences, excused, problems)


def check_sources(project: "Project", graph: Graph, *, only: str | None = None
                  ) -> list[tuple["Source", CoverageReport, str]]:
    """Coverage of every registered source (or only the one keyed `only`) by `graph`:
    (source, report, its text). The default source reads the exclusion entries without a
    `source` field; every other source reads the entries naming it."""
    from kgtool import sources  # noqa: PLC0415

    registry = sources.load(project)
    chosen = [s for s in registry.sources if only is None or s.key == only]
    if not chosen:
        raise InputError(f"no source {only!r} (see `kgtool source list`)", source="--source")
    out = []
    for src in chosen:
        text, _ = sources.read_text(project, src)
        shown = "graph/coverage-exclusions.toml"
        report = check(text, graph, project.exclusions, exclusions_source=shown,
                       document=None if src.default else src.key,
                       document_iri=None if len(registry.sources) == 1 else src.iri)
        out.append((src, report, text))
    return out


def render(report: CoverageReport, seed: str) -> str:
    """Human-readable gaps with offsets and a little context."""
    lines = []
    for t in report.uncovered_tokens:
        context = " ".join(seed[max(0, t.start - 12):t.end + 12].split())
        lines.append(f"uncovered token     {t.start}-{t.end}  {t.text!s:<10}  …{context}…")
    for s in report.uncovered_sentences:
        text = " ".join(s.text.split())
        lines.append(f"uncovered sentence  {s.start}-{s.end}  {text[:60]}{'…' if len(text) > 60 else ''}")
    lines.extend(f"exclusion problem   {p}" for p in report.problems)
    covered_t = len(report.tokens) - len(report.uncovered_tokens)
    covered_s = len(report.sentences) - len(report.uncovered_sentences)
    lines.append(f"tokens {covered_t}/{len(report.tokens)} covered, sentences {covered_s}/"
                 f"{len(report.sentences)} covered ({len(report.excluded_sentences)} excluded)"
                 f"{'' if report.ok else ' -- coverage incomplete'}")
    return "\n".join(lines) + "\n"
