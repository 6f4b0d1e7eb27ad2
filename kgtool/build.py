"""`kgtool build`: curated facts + seed text -> one validated, deterministic, provenance-rich graph.

This implements docs/modelling.md sections 2 and 4 and the period/instant minting of section 3:

1. parse every `graph/facts/*.ttl` (no blank nodes: every node has an IRI, so output is stable);
2. replace each `?s kg:sourceQuote "q"` with `?s prov:wasDerivedFrom <span/{start}-{end}>` and
   describe the span with Web Annotation selectors pointing into the source document;
3. add the source document node (the full seed text, byte for byte, so SHACL can prove spans);
4. mint every referenced `<period/…>` / `<instant/…>` from its key (OWL-Time);
5. record a content hash of the sources, validate with SHACL, and only then write
   `graph/songjiang.ttl` atomically. Staleness is a hash comparison, never a file time.
"""
from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, XSD, Namespace

from kgtool import io, namespaces, provenance
from kgtool.errors import InputError, UsageError, ValidationFailed
from kgtool.project import Project
from kgtool.staleness import HASH_PREFIX, is_stale, recorded_hash, source_hash, source_paths  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from kgtool.validate import Report

KG = Namespace(namespaces.DEF)
OA = Namespace(namespaces.PREFIXES["oa"])
SCHEMA = Namespace(namespaces.PREFIXES["schema"])
TIME = Namespace(namespaces.PREFIXES["time"])

SOURCE_KEY = "songjiang-advanced-manufacturing"
SOURCE = URIRef(namespaces.thing("source", SOURCE_KEY))
DATASET = URIRef(namespaces.thing("dataset", "songjiang-kg"))
TITLE = "贯彻工业立区、工业强区方针 上海市松江区着力打造先进制造业发展集聚区"
AUTHOR = URIRef(namespaces.thing("person", "韩海峰"))
AFFIX_CHARS = 16          # length of oa:prefix / oa:suffix context

_PERIOD = URIRef(namespaces.thing("period", ""))
_INSTANT = URIRef(namespaces.thing("instant", ""))
_PERIOD_KEY = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}|early|mid|late))?)?\Z")
_INSTANT_KEY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_THIRDS = {"early": (1, 10, "上旬", "early"), "mid": (11, 20, "中旬", "mid-"),
           "late": (21, None, "下旬", "late")}


@dataclass
class Assembly:
    """The graph before validation, with what coverage and tests need to know about it."""

    graph: Graph
    spans: dict[str, provenance.Span]      # key "{start}-{end}" -> span
    source_hash: str
    seed_text: str


@dataclass
class BuildResult:
    """What a build produced: where it was written, the hash it records, and the SHACL report."""

    output: Path
    source_hash: str
    triples: int
    spans: int
    report: "Report"
    written: bool = True
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Source hash and staleness
# --------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------
# Generated nodes: source document, spans, periods, instants
# --------------------------------------------------------------------------------------------

def read_seed(project: Project) -> tuple[str, bytes]:
    """The seed as text and bytes (InputError if missing or not UTF-8)."""
    try:
        data = project.seed.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file (the seed article)", source=_rel(project, project.seed)) from None
    try:
        return data.decode("utf-8"), data
    except UnicodeDecodeError:
        raise InputError("seed is not valid UTF-8", source=_rel(project, project.seed)) from None


def source_document(seed_text: str, seed_bytes: bytes) -> Graph:
    """The triples describing the article itself (docs/modelling.md section 4)."""
    g = Graph(bind_namespaces="none")
    g.add((SOURCE, RDF.type, SCHEMA.NewsArticle))
    g.add((SOURCE, RDF.type, PROV.Entity))
    g.add((SOURCE, DCTERMS.title, Literal(TITLE, lang="zh-Hans")))
    g.add((SOURCE, RDFS.label, Literal(TITLE, lang="zh-Hans")))
    g.add((SOURCE, DCTERMS.creator, AUTHOR))
    g.add((SOURCE, DCTERMS.language, Literal("zh-Hans")))
    g.add((SOURCE, KG.contentSha256, Literal(hashlib.sha256(seed_bytes).hexdigest())))
    g.add((SOURCE, SCHEMA.text, Literal(seed_text)))
    return g


def span_triples(span: provenance.Span, seed_text: str) -> Iterable[tuple[URIRef, URIRef, object]]:
    """The span node and its two selectors (Web Annotation)."""
    node = URIRef(namespaces.thing("span", span.key))
    quote = URIRef(f"{node}/quote")
    position = URIRef(f"{node}/position")
    yield node, RDF.type, OA.SpecificResource
    yield node, OA.hasSource, SOURCE
    yield node, OA.hasSelector, quote
    yield node, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, Literal(span.exact)
    if span.clean != span.exact:
        yield quote, KG.cleanQuote, Literal(span.clean)
    prefix = seed_text[max(0, span.start - AFFIX_CHARS):span.start]
    suffix = seed_text[span.end:span.end + AFFIX_CHARS]
    if prefix:
        yield quote, OA.prefix, Literal(prefix)
    if suffix:
        yield quote, OA.suffix, Literal(suffix)
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, Literal(str(span.start), datatype=XSD.nonNegativeInteger)
    yield position, OA.end, Literal(str(span.end), datatype=XSD.nonNegativeInteger)


def _instant(year: int, month: int, day: int) -> tuple[URIRef, list[tuple[URIRef, URIRef, object]]]:
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    node = URIRef(namespaces.thing("instant", iso))
    en_month = calendar.month_name[month]
    return node, [
        (node, RDF.type, TIME.Instant),
        (node, TIME.inXSDDate, Literal(iso, datatype=XSD.date)),
        (node, RDFS.label, Literal(f"{year}年{month}月{day}日", lang="zh-Hans")),
        (node, RDFS.label, Literal(f"{day} {en_month} {year}", lang="en")),
    ]


def time_triples(iri: URIRef) -> list[tuple[URIRef, URIRef, object]]:
    """Mint a `<period/…>` or `<instant/…>` from its key; InputError for a malformed key."""
    if iri.startswith(_INSTANT):
        key = iri[len(_INSTANT):]
        m = _INSTANT_KEY.match(key)
        if not m:
            raise InputError(f"malformed instant key {key!r}: expected instant/YYYY-MM-DD")
        year, month, day = (int(x) for x in m.groups())
        _check_date(key, year, month, day)
        return _instant(year, month, day)[1]
    key = iri[len(_PERIOD):]
    m = _PERIOD_KEY.match(key)
    if not m:
        raise InputError(f"malformed period key {key!r}: expected period/YYYY, period/YYYY-MM, "
                         "period/YYYY-MM-DD or period/YYYY-MM-early|mid|late")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    tail = m.group(3)
    if month is None:
        first, last = (year, 1, 1), (year, 12, 31)
        zh, en = f"{year}年", f"{year}"
    else:
        _check_date(key, year, month, 1)
        month_end = calendar.monthrange(year, month)[1]
        en_month = f"{calendar.month_name[month]} {year}"
        if tail is None:
            first, last = (year, month, 1), (year, month, month_end)
            zh, en = f"{year}年{month}月", en_month
        elif tail in _THIRDS:
            lo, hi, zh_part, en_part = _THIRDS[tail]
            first, last = (year, month, lo), (year, month, hi or month_end)
            zh = f"{year}年{month}月{zh_part}"
            en = f"{en_part}{'' if en_part.endswith('-') else ' '}{en_month}"
        else:
            day = int(tail)
            _check_date(key, year, month, day)
            first = last = (year, month, day)
            zh, en = f"{year}年{month}月{day}日", f"{day} {en_month}"
    begin, begin_triples = _instant(*first)
    end, end_triples = _instant(*last)
    return [
        (iri, RDF.type, TIME.ProperInterval),
        (iri, RDFS.label, Literal(zh, lang="zh-Hans")),
        (iri, RDFS.label, Literal(en, lang="en")),
        (iri, TIME.hasBeginning, begin),
        (iri, TIME.hasEnd, end),
        *begin_triples, *end_triples,
    ]


def _check_date(key: str, year: int, month: int, day: int) -> None:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise InputError(f"malformed time key {key!r}: no such date")


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------

def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.data_dir).as_posix()
    except ValueError:
        return str(path)


def _line_of(text: str, needle: str) -> tuple[int | None, int | None]:
    pos = text.find(needle)
    if pos < 0:
        return None, None
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _is_time_node(term: object) -> bool:
    return isinstance(term, URIRef) and (term.startswith(_PERIOD) or term.startswith(_INSTANT))


def _load_facts(project: Project, path: Path, seed_text: str, graph: Graph,
                spans: dict[str, provenance.Span], time_nodes: set[URIRef], include_proposed: bool = False) -> None:
    """Parse one facts file into `graph`, resolving its quotes into spans."""
    name = _rel(project, path)
    facts = io.parse_rdf(path, source=name, base=namespaces.ID)
    if not include_proposed:
        from kgtool.propose.review import refuse_proposed  # issue 13: drafts need review

        refuse_proposed(facts, name)
    text = path.read_text(encoding="utf-8")
    for s, p, o in sorted(facts, key=lambda t: tuple(x.n3() for x in t)):
        if isinstance(s, BNode) or isinstance(o, BNode):
            where = f"<{s}> <{p}>" if not isinstance(s, BNode) else f"a blank node's <{p}>"
            raise InputError(f"blank node in data ({where}): give every node an IRI "
                             "(see docs/modelling.md section 1)", source=name)
        if _is_time_node(s):
            raise InputError(f"<{s}> is described here, but periods and instants are generated "
                             "by the build from their key; only reference them", source=name)
        for term in (s, o):
            if _is_time_node(term):
                time_nodes.add(term)  # type: ignore[arg-type]
        if p != KG.sourceQuote:
            graph.add((s, p, o))
            continue
        if not isinstance(o, Literal):
            raise InputError(f"fact <{s}>: kg:sourceQuote must be a string, not {o.n3()}",
                             source=name)
        try:
            span = provenance.locate(seed_text, str(o))
        except InputError as err:
            line, column = _line_of(text, str(o))
            raise InputError(f"fact <{s}>: {err.message}", source=name, line=line,
                             column=column) from None
        if span.key in spans and spans[span.key].clean != span.clean:
            # Two wordings of one slice: keep the exact one so the output does not depend on order.
            span = provenance.Span(span.start, span.end, span.exact, span.exact)
        spans[span.key] = span
        graph.add((s, PROV.wasDerivedFrom, URIRef(namespaces.thing("span", span.key))))


def _load_linked(project: Project, path: Path, graph: Graph) -> None:
    """Merge a committed links/dataset file as it is: its facts come from reference datasets and
    carry their own provenance (prov:wasDerivedFrom a dataset), not quotes."""
    name = _rel(project, path)
    linked = io.parse_rdf(path, source=name, base=namespaces.ID)
    for s, p, o in linked:
        if isinstance(s, BNode) or isinstance(o, BNode):
            raise InputError(f"blank node in data (<{p}>): give every node an IRI", source=name)
        if p == KG.sourceQuote:
            raise InputError(f"<{s}>: kg:sourceQuote belongs in graph/facts/, not here", source=name)
        graph.add((s, p, o))


def assemble(project: Project, *, include_proposed: bool = False) -> Assembly:
    """Everything the build writes, before validation. Raises InputError on any bad input."""
    seed_text, seed_bytes = read_seed(project)
    if not project.facts_dir.is_dir():
        raise InputError("no such directory (the curated facts)", source=_rel(project, project.facts_dir))
    graph = Graph(bind_namespaces="none")
    spans: dict[str, provenance.Span] = {}
    time_nodes: set[URIRef] = set()
    for path in project.fact_files:
        _load_facts(project, path, seed_text, graph, spans, time_nodes, include_proposed)
    for path in project.linked_files:
        _load_linked(project, path, graph)
    for key in sorted(spans):
        for triple in span_triples(spans[key], seed_text):
            graph.add(triple)  # type: ignore[arg-type]
    for node in sorted(time_nodes):
        try:
            for triple in time_triples(node):
                graph.add(triple)  # type: ignore[arg-type]
        except InputError as err:
            raise InputError(f"<{node}>: {err.message}", source=_rel(project, project.facts_dir)) from None
    graph += source_document(seed_text, seed_bytes)
    digest = source_hash(project)
    graph.add((DATASET, RDF.type, DCAT.Dataset))
    graph.add((DATASET, RDF.type, PROV.Entity))
    graph.add((DATASET, RDFS.label, Literal("松江区先进制造业知识图谱", lang="zh-Hans")))
    graph.add((DATASET, RDFS.label, Literal("Songjiang advanced manufacturing knowledge graph", lang="en")))
    graph.add((DATASET, PROV.wasDerivedFrom, SOURCE))
    graph.add((DATASET, KG.sourceHash, Literal(digest)))
    return Assembly(graph=graph, spans=spans, source_hash=digest, seed_text=seed_text)


def render(assembly: Assembly) -> bytes:
    """The bytes `build` writes: a hash line, a do-not-edit line, then stable Turtle."""
    header = (f"{HASH_PREFIX}{assembly.source_hash}\n"
              "# Generated by `kgtool build` from seeds/, graph/facts/ and ontology/: do not edit.\n")
    return io.serialize_turtle(assembly.graph, header=header)


def default_output(project: Project) -> Path:
    """graph/songjiang.ttl in a checkout; outside one there is no default (exit 2)."""
    if not project.in_checkout:
        raise UsageError("not inside a kgtool checkout: give -o/--output FILE (or --project DIR); "
                         "the installed package data is read-only", source="build")
    return project.built_graph


def build(project: Project, *, output: Path | None = None,
          include_proposed: bool = False) -> BuildResult:
    """Build, validate and write the graph. ValidationFailed (exit 1) leaves nothing written.

        >>> from kgtool.project import locate
        >>> result = build(locate())                       # doctest: +SKIP
        >>> result.output.name, result.report.conforms     # doctest: +SKIP
        ('songjiang.ttl', True)
    """
    from kgtool.validate import validate  # pySHACL is heavy: import it only when building

    target = Path(output) if output is not None else default_output(project)
    assembly = assemble(project, include_proposed=include_proposed)
    report = validate(assembly.graph, project)
    if report.violations:
        err = ValidationFailed(f"{len(report.violations)} SHACL violation(s); nothing written",
                               source=_rel(project, target))
        err.report = report  # type: ignore[attr-defined]
        raise err
    io.atomic_write(target, render(assembly))
    return BuildResult(output=target, source_hash=assembly.source_hash, triples=len(assembly.graph),
                       spans=len(assembly.spans), report=report)
