"""`kgtool build`: curated facts + seed text -> one validated, deterministic, provenance-rich graph.

This implements docs/modelling.md sections 2 and 4 and the period/instant minting of section 3:

1. parse every `graph/facts/*.ttl` (no blank nodes: every node has an IRI, so output is stable);
2. replace each `?s kg:sourceQuote "q"` with `?s prov:wasDerivedFrom <span/{start}-{end}>` and
   describe the span with Web Annotation selectors pointing into the source document;
3. add the source document node (the full seed text, byte for byte, so SHACL can prove spans);
4. mint every referenced `<period/…>` / `<instant/…>` from its key (OWL-Time);
5. record a content hash of the sources, validate with SHACL, and only then write
   `graph/songjiang.trig` (the dataset: one named graph per source, reference dataset, links,
   description and ontology; see kgtool.dataset) and `graph/songjiang.ttl` (the union of its
   data graphs, one Turtle graph) atomically. Staleness is a hash comparison, never a file time.
"""
from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD, Namespace
from rdflib.term import Node

from kgtool import dataset, dcat, io, namespaces, provenance, sources, staleness, statistics
from kgtool.errors import InputError, UsageError, ValidationFailed
from kgtool.project import Project
from kgtool.rdflib_settings import scoped
from kgtool.staleness import HASH_PREFIX, is_stale, recorded_hash, source_hash, source_paths  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from kgtool.validate import Report

KG = Namespace(namespaces.DEF)
OA = Namespace(namespaces.PREFIXES["oa"])
SCHEMA = Namespace(namespaces.PREFIXES["schema"])
TIME = Namespace(namespaces.PREFIXES["time"])

# The default source's document node (seeds/sources.toml's first record); kept as a constant
# because validation adds this node when it validates a bare facts file.
SOURCE_KEY = "songjiang-advanced-manufacturing"
SOURCE = URIRef(namespaces.thing("source", SOURCE_KEY))
DATASET = URIRef(namespaces.thing("dataset", "songjiang-kg"))
AFFIX_CHARS = 16          # length of oa:prefix / oa:suffix context

_PERIOD = URIRef(namespaces.thing("period", ""))
_INSTANT = URIRef(namespaces.thing("instant", ""))
_PERIOD_KEY = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}|early|mid|late))?)?\Z")
_INSTANT_KEY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_THIRDS = {"early": (1, 10, "上旬", "early"), "mid": (11, 20, "中旬", "mid-"),
           "late": (21, None, "下旬", "late")}


@dataclass(frozen=True)
class SourceSpan:
    """A located quote and the source it was located in."""

    source: sources.Source
    span: provenance.Span


@dataclass
class Assembly:
    """The dataset before validation (one graph per named graph), with what coverage and tests
    need to know about it."""

    graphs: dict[str, Graph]               # named graph IRI -> its triples (kgtool.dataset)
    spans: dict[str, provenance.Span]      # span IRI key ("{start}-{end}", "{source}/{s}-{e}")
    source_hash: str
    seed_text: str                         # the default source's text
    texts: dict[str, str] = field(default_factory=dict)     # source key -> text
    registry: sources.Registry | None = None
    _union: Graph | None = field(default=None, repr=False)

    @property
    def graph(self) -> Graph:
        """The union of every graph, with set semantics (what validation and coverage see)."""
        if self._union is None:
            union = Graph(bind_namespaces="none")
            for g in self.graphs.values():
                union += g
            self._union = union
        return self._union


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
    """The default source's text and bytes (InputError if missing, not UTF-8 or not the
    checksum the registry records)."""
    return sources.read_text(project, sources.load(project).default)


def source_document(src: sources.Source, text: str, data: bytes) -> Graph:
    """The triples describing a source document, from its registry record (docs/modelling.md
    section 4): title, language, publisher, publication date, licence, URL, note, checksum, text."""
    node = URIRef(src.iri)
    g = Graph(bind_namespaces="none")
    g.add((node, RDF.type, SCHEMA.NewsArticle))
    g.add((node, RDF.type, PROV.Entity))
    g.add((node, DCTERMS.title, Literal(src.title, lang=src.language)))
    g.add((node, RDFS.label, Literal(src.title, lang=src.language)))
    g.add((node, DCTERMS.language, Literal(src.language)))
    if src.publisher:
        g.add((node, DCTERMS.publisher, Literal(src.publisher, lang=src.language)))
    if src.published:
        kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(src.published), XSD.date)
        g.add((node, DCTERMS.issued, Literal(src.published, datatype=kind, normalize=False)))
    if src.licence:
        g.add((node, DCTERMS.license, URIRef(src.licence)))
    if src.url:
        g.add((node, DCAT.landingPage, URIRef(src.url)))
    if src.note:
        g.add((node, SKOS.note, Literal(src.note, lang="en")))
    g.add((node, KG.contentSha256, Literal(hashlib.sha256(data).hexdigest())))
    g.add((node, SCHEMA.text, Literal(text)))
    return g


def source_documents(project: Project) -> Graph:
    """Every registered source's document node (for validating bare facts files)."""
    g = Graph(bind_namespaces="none")
    for src in sources.load(project).sources:
        text, data = sources.read_text(project, src)
        g += source_document(src, text, data)
    return g


def span_triples(span: provenance.Span, text: str,
                 src: sources.Source) -> Iterable[tuple[URIRef, URIRef, object]]:
    """The span node and its two selectors (Web Annotation), pointing into `src`."""
    node = URIRef(namespaces.thing("span", src.span_key(span.start, span.end)))
    quote = URIRef(f"{node}/quote")
    position = URIRef(f"{node}/position")
    yield node, RDF.type, OA.SpecificResource
    yield node, OA.hasSource, URIRef(src.iri)
    yield node, OA.hasSelector, quote
    yield node, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, Literal(span.exact)
    if span.clean != span.exact:
        yield quote, KG.cleanQuote, Literal(span.clean)
    prefix = text[max(0, span.start - AFFIX_CHARS):span.start]
    suffix = text[span.end:span.end + AFFIX_CHARS]
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
        year, mon, day = (int(x) for x in m.groups())  # `month` below may be None
        _check_date(key, year, mon, day)
        return _instant(year, mon, day)[1]
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
    """Line and column of the quote in a facts file: where a kg:sourceQuote gives it, else the
    first occurrence that is a string on a line that is not a comment, else the first at all
    (a comment or a label quoting the same words is not the place to fix)."""
    given = re.search(r"sourceQuote\s+(?:\"\"\"|'''|\"|')" + re.escape(needle), text)
    if given:
        at = given.end() - len(needle)
        return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
    first = None
    for m in re.finditer(re.escape(needle), text):
        pos = m.start()
        line_start = text.rfind("\n", 0, pos) + 1
        if first is None:
            first = pos
        if pos > 0 and text[pos - 1] in "\"'" and not text[line_start:pos].lstrip().startswith("#"):
            first = pos
            break
    if first is None:
        return None, None
    return text.count("\n", 0, first) + 1, first - (text.rfind("\n", 0, first) + 1) + 1


def _is_time_node(term: object) -> bool:
    return isinstance(term, URIRef) and (term.startswith(_PERIOD) or term.startswith(_INSTANT))


def _load_facts(project: Project, path: Path, src: sources.Source, text: str, graph: Graph,
                spans: dict[str, SourceSpan], time_nodes: set[URIRef], include_proposed: bool = False) -> None:
    """Parse one facts file of source `src` into `graph`, resolving its quotes inside `text`
    (that source's text only: the same words in another source are not this fact's words)."""
    name = _rel(project, path)
    facts = io.parse_rdf(path, source=name, base=namespaces.ID)
    if not include_proposed:
        from kgtool.propose.review import refuse_proposed  # issue 13: drafts need review

        refuse_proposed(facts, name)
    file_text = path.read_text(encoding="utf-8")
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
                time_nodes.add(term)  # type: ignore[arg-type]  # _is_time_node: a URIRef
        if p != KG.sourceQuote:
            graph.add((s, p, o))
            continue
        if not isinstance(o, Literal):
            raise InputError(f"fact <{s}>: kg:sourceQuote must be a string, not {o.n3()}",
                             source=name)
        try:
            span = provenance.locate(text, str(o))
        except InputError as err:
            line, column = _line_of(file_text, str(o))
            where = "" if src.default else f" (source {src.key!r}, seeds/{src.file})"
            raise InputError(f"fact <{s}>: {err.message}{where}", source=name, line=line,
                             column=column) from None
        key = src.span_key(span.start, span.end)
        if key in spans and spans[key].span.clean != span.clean:
            # Two wordings of one slice: keep the exact one so the output does not depend on order.
            span = provenance.Span(span.start, span.end, span.exact, span.exact)
        spans[key] = SourceSpan(src, span)
        graph.add((s, PROV.wasDerivedFrom, URIRef(namespaces.thing("span", key))))


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


def split_links(links: Graph) -> dict[str, Graph]:
    """The committed links split into the links graph and one graph per reference dataset.

    A reference record is a subject derived (prov:wasDerivedFrom) from a void:Dataset that is
    not a linkset, and is not a link node (owl:Axiom); subjects under a reference scheme's IRI
    (`<scheme/nbs-division-2023/level/…>`) and the reference datasets' own descriptions belong to
    that dataset too. Everything else (mapping triples, link nodes, linksets) is the links graph.
    """
    datasets = {d for d in links.subjects(RDF.type, VOID.Dataset)
                if (d, RDF.type, VOID.Linkset) not in links}
    owner: dict[Node, Node] = {d: d for d in datasets}
    for s, d in links.subject_objects(PROV.wasDerivedFrom):
        if d in datasets and (s, RDF.type, OWL.Axiom) not in links:
            owner[s] = d
    schemes = sorted(((str(s), d) for s, d in owner.items()
                      if (s, RDF.type, SKOS.ConceptScheme) in links), reverse=True)
    out: dict[str, Graph] = {dataset.LINKS_GRAPH: Graph(bind_namespaces="none")}
    for s, p, o in links:
        home = owner.get(s)
        if home is None:
            home = next((dd for iri, dd in schemes if str(s).startswith(iri + "/")), None)
        key = dataset.LINKS_GRAPH if home is None else dataset.reference_graph(str(home).rsplit("/", 1)[-1])
        out.setdefault(key, Graph(bind_namespaces="none")).add((s, p, o))
    return out


@scoped  # literals keep their lexical forms while we build; rdflib's setting is put back after
def assemble(project: Project, *, include_proposed: bool = False) -> Assembly:
    """Everything the build writes, before validation. Raises InputError on any bad input."""
    registry = sources.load(project)
    if not project.facts_dir.is_dir():
        raise InputError("no such directory (the curated facts)", source=_rel(project, project.facts_dir))
    orphans = sources.orphan_fact_dirs(project, registry)
    if orphans:
        raise InputError(f"facts without a source: {_rel(project, orphans[0])}/ names no source "
                         f"in seeds/{sources.REGISTRY_NAME} (register the document with `kgtool "
                         "source add`, or move the files)", source=_rel(project, orphans[0]))
    graphs: dict[str, Graph] = {}
    spans: dict[str, SourceSpan] = {}
    texts: dict[str, str] = {}
    for src in registry.sources:
        text, data = sources.read_text(project, src)
        texts[src.key] = text
        graph = graphs.setdefault(src.graph_iri, Graph(bind_namespaces="none"))
        time_nodes: set[URIRef] = set()
        for path in src.fact_files(project):
            _load_facts(project, path, src, text, graph, spans, time_nodes, include_proposed)
        for node in sorted(time_nodes):
            try:
                for triple in time_triples(node):
                    graph.add(triple)  # type: ignore[arg-type]  # objects minted here are Nodes
            except InputError as err:
                raise InputError(f"<{node}>: {err.message}", source=_rel(project, project.facts_dir)) from None
        graph += source_document(src, text, data)
    for key in sorted(spans):
        ss = spans[key]
        graph = graphs[ss.source.graph_iri]
        for triple in span_triples(ss.span, texts[ss.source.key], ss.source):
            graph.add(triple)  # type: ignore[arg-type]  # objects minted here are Nodes
    _add_creators(registry, graphs)
    description = Graph(bind_namespaces="none")
    for path in project.linked_files:
        part = Graph(bind_namespaces="none")
        _load_linked(project, path, part)
        if path.name == "links.ttl":
            for iri, g in split_links(part).items():
                graphs.setdefault(iri, Graph(bind_namespaces="none"))
                graphs[iri] += g
        else:
            description += part
    digest = source_hash(project)
    description.add((DATASET, RDF.type, DCAT.Dataset))
    description.add((DATASET, RDF.type, PROV.Entity))
    description.add((DATASET, RDFS.label, Literal("松江区先进制造业知识图谱", lang="zh-Hans")))
    description.add((DATASET, RDFS.label, Literal("Songjiang advanced manufacturing knowledge graph", lang="en")))
    for src in registry.sources:
        description.add((DATASET, PROV.wasDerivedFrom, URIRef(src.iri)))
    description.add((DATASET, KG.sourceHash, Literal(digest)))
    graphs[dataset.DESCRIPTION_GRAPH] = description
    statistics.rank_observations(registry, graphs)
    _describe_units(project, graphs)
    dcat.add_description(graphs)  # VoID counts, temporal and spatial coverage of the data
    return Assembly(graphs=graphs, spans={k: v.span for k, v in spans.items()},
                    source_hash=digest, seed_text=texts[registry.default.key], texts=texts,
                    registry=registry)


def _describe_units(project: Project, graphs: dict[str, Graph]) -> None:
    """Each graph describes the units it uses (kgtool.units: the graph validates on its own)."""
    from kgtool.units import ontology_units, used_units

    if not project.ontology.is_file():
        return
    ontology = ontology_units(project.ontology, source=_rel(project, project.ontology))
    for g in graphs.values():
        g += used_units(ontology, g)


def _add_creators(registry: sources.Registry, graphs: dict[str, Graph]) -> None:
    """dct:creator of a source: the person its record names, when the facts describe that person
    (a byline that is not a described person stays in the registry only)."""
    for src in registry.sources:
        if not src.author or not re.fullmatch(r"[^\s<>\"{}|\\^`]+", src.author):
            continue
        person = URIRef(namespaces.thing("person", src.author))
        if any((person, RDF.type, FOAF.Person) in g for g in graphs.values()):
            graphs[src.graph_iri].add((URIRef(src.iri), DCTERMS.creator, person))


def _header(assembly: Assembly) -> str:
    return (f"{HASH_PREFIX}{assembly.source_hash}\n"
            "# Generated by `kgtool build` from seeds/, graph/facts/ and ontology/: do not edit.\n")


def render(assembly: Assembly) -> bytes:
    """graph/songjiang.ttl: a hash line, a do-not-edit line, then the union of the dataset's
    data graphs (not the ontology) as stable Turtle, for readers that want one graph."""
    return io.serialize_turtle(assembly.graph, header=_header(assembly))


def render_dataset(assembly: Assembly, ontology: Graph | None) -> bytes:
    """graph/songjiang.trig: the same header, then one TriG block per named graph (sorted by
    IRI, each stable Turtle; the ontology as its own graph). What every query path loads."""
    graphs = dict(assembly.graphs)
    if ontology is not None:
        graphs[dataset.ONTOLOGY_GRAPH] = ontology
    directives: set[str] = set()
    blocks = []
    for iri in sorted(graphs):
        body = io.serialize_turtle(graphs[iri]).decode("utf-8")
        lines = body.split("\n")
        while lines and (lines[0].startswith("@prefix") or lines[0].startswith("@base")
                         or not lines[0].strip()):
            directives.add(lines.pop(0))
        blocks.append(f"<{iri}> {{\n" + "\n".join(lines).rstrip() + "\n}\n")
    base = sorted(d for d in directives if d.startswith("@base"))
    prefixes = sorted(d for d in directives if d.startswith("@prefix"))
    return (_header(assembly) + "\n".join([*base, *prefixes]) + "\n\n"
            + "\n".join(blocks)).encode("utf-8")


def default_output(project: Project) -> Path:
    """graph/songjiang.ttl in a checkout (written with graph/songjiang.trig beside it); outside
    one there is no default (exit 2)."""
    if not project.in_checkout:
        raise UsageError("not inside a kgtool checkout: give -o/--output FILE (or --project DIR); "
                         "the installed package data is read-only", source="build")
    return project.built_graph


@scoped
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
        err.report = report  # type: ignore[attr-defined]  # for the CLI to print the table
        raise err
    ontology = io.parse_rdf(project.ontology, source=_rel(project, project.ontology))
    if output is None:
        # Both files, the dataset first: a reader checking either hash sees a complete build.
        io.atomic_write(project.built_dataset, render_dataset(assembly, ontology))
        io.atomic_write(target, render(assembly))
        # The sources' stats beside their hash, so `kgtool query` can skip hashing (kgtool.staleness).
        staleness.write_stamp(project)
    elif target.suffix.lower() == ".trig":
        io.atomic_write(target, render_dataset(assembly, ontology))
    else:
        io.atomic_write(target, render(assembly))
    return BuildResult(output=target, source_hash=assembly.source_hash, triples=len(assembly.graph),
                       spans=len(assembly.spans), report=report)
