"""SHACL validation of the graph against the project's shapes, safely, with a report people can read.

Why a wrapper around pySHACL:

* **One configuration everywhere.** `build` and `validate` both run pySHACL with
  `ontology/shapes.ttl` as shapes, `ontology/kgtool.ttl` as ontology, RDFS inference, warnings
  allowed and SHACL-AF off; the data always includes the source-document node, whose full text
  the span-checking SHACL-SPARQL constraint compares quotes against.
* **Shapes cannot read files or the network.** A `sh:select` can say `FROM <file:///…>` and
  rdflib would load that file into the report (research/anchors.md (d) 5). We switch off
  rdflib's graph loading and refuse (exit 4) shapes whose SPARQL has SERVICE or FROM -- checked
  on the parsed algebra, not with a regex -- unless the caller explicitly allows unsafe shapes.
* **A readable report.** Each finding names severity, focus node with its zh-Hans label, path,
  value, message and shape; `render` prints it as a table, JSON or the SHACL results Turtle.
"""
from __future__ import annotations

import functools
import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import rdflib
import rdflib.plugins.sparql
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SH, SKOS, Namespace
from rdflib.plugins.sparql.algebra import _knownTerms, translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.query import Processor
from rdflib.term import Variable

from kgtool import io, namespaces
from kgtool.errors import InputError, PolicyError, UsageError
from kgtool.project import Project

# Never let a SPARQL query (a shape's, here) load a graph from a FROM/LOAD IRI.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

ELI = Namespace(namespaces.PREFIXES["eli"])
SCHEMA = Namespace(namespaces.PREFIXES["schema"])
FORMATS = ("table", "turtle", "json")
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
_LABELS = (SKOS.prefLabel, RDFS.label, FOAF.name, DCTERMS.title, ELI.title, SCHEMA.name)


@dataclass(frozen=True)
class Finding:
    """One SHACL result, in words."""

    severity: str               # Violation | Warning | Info
    focus: str                  # compact name of the focus node
    label: str | None           # its zh-Hans label, if it has one
    path: str | None
    value: str | None
    message: str
    shape: str | None
    component: str | None


@dataclass
class Report:
    """The outcome of one validation: findings plus pySHACL's results graph."""

    findings: list[Finding]
    results_graph: Graph

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """No violations (warnings and infos allowed)."""
        return not self.violations

    def ok(self, strict: bool = False) -> bool:
        """Conforms, and under `strict` also has no warnings."""
        return self.conforms and not (strict and self.warnings)

    def summary(self) -> str:
        n = {s: sum(1 for f in self.findings if f.severity == s) for s in _ORDER}
        verdict = "conforms" if self.conforms else "does not conform"
        return (f"{verdict}: {n['Violation']} violation(s), {n['Warning']} warning(s), "
                f"{n['Info']} info(s)")


# --------------------------------------------------------------------------------------------
# Safety policy for SHACL-SPARQL
# --------------------------------------------------------------------------------------------

def _prefix_block(*graphs: Graph) -> str:
    """PREFIX lines from the project table and every `sh:declare` in the given graphs."""
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in namespaces.PREFIXES.items()]
    for g in graphs:
        for decl in sorted(g.objects(None, SH.declare), key=str):
            prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(lines) + "\n"


def _walk(node: object) -> Iterable[object]:
    """Every value nested in an rdflib SPARQL algebra tree."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k != "_vars")
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


@functools.lru_cache(maxsize=256)
def _unsafe_clauses_cached(query: str) -> tuple[str, ...]:
    return tuple(_unsafe_clauses(query))


def unsafe_clauses(query: str) -> list[str]:
    """The clauses of a SPARQL query that could read files or the network (cached by text)."""
    return list(_unsafe_clauses_cached(query))


def _unsafe_clauses(query: str) -> list[str]:
    """The clauses of a SPARQL query that could read files or the network (SERVICE, FROM, FROM NAMED).

    Works on rdflib's parse and algebra, so comments, strings, case and prefixed IRIs cannot hide
    a clause. Raises InputError when the query does not parse.
    """
    try:
        parsed = parseQuery(query)
        algebra = translateQuery(parsed).algebra
    except Exception as exc:  # noqa: BLE001 - pyparsing and rdflib raise many types
        raise InputError(f"SPARQL in shapes does not parse: {' '.join(str(exc).split())}") from None
    found: list[str] = []
    for clause in algebra.get("datasetClause") or []:
        found.append("FROM NAMED" if "named" in clause else "FROM")
    for item in _walk(algebra):
        name = getattr(item, "name", None)
        if name == "ServiceGraphPattern":
            found.append("SERVICE")
    return sorted(set(found))


def check_shapes_policy(shapes: Graph, ontology: Graph | None = None, *,
                        source: str = "ontology/shapes.ttl") -> None:
    """PolicyError (exit 4) if any sh:select / sh:ask / sh:construct uses SERVICE or FROM."""
    prefixes = _prefix_block(shapes, *(g for g in (ontology,) if g is not None))
    for prop in (SH.select, SH.ask, SH.construct):
        for node, text in sorted(shapes.subject_objects(prop), key=lambda so: str(so[1])):
            try:
                clauses = unsafe_clauses(prefixes + str(text))
            except InputError as err:
                raise InputError(f"{_compact(node)}: {err.message}", source=source) from None
            if clauses:
                owner = node
                while isinstance(owner, BNode):
                    parent = next(iter(sorted(shapes.subjects(None, owner), key=str)), None)
                    if parent is None:
                        break
                    owner = parent
                raise PolicyError(
                    f"shape {_compact(owner)} uses {', '.join(clauses)} in its SPARQL, which could "
                    "read local files or the network; refused (use --allow-unsafe-shapes to "
                    "run it anyway)", source=source)


# --------------------------------------------------------------------------------------------
# Making pySHACL's SHACL-SPARQL fast enough
# --------------------------------------------------------------------------------------------
#
# pySHACL runs each SPARQL constraint once per focus node, passing the query *text* with `$this`
# pre-bound through initBindings. rdflib then (1) re-parses the text every time (~0.2 s each) and
# (2) orders each basic graph pattern as if `$this` were unbound, so a span check enumerates all
# selectors for every span. The processor below parses each text once and orders the patterns
# knowing which variables are pre-bound. Ordering never changes results, only speed; the
# SPARQL_LOAD_GRAPHS switch still applies because evaluation is rdflib's own.

def _reorder(triples: list[tuple], known: set[Variable]) -> list[tuple]:
    """rdflib's reorderTriples, but starting from variables already bound by initBindings."""
    pending = list(triples)
    counts: dict = {}
    for t in pending:
        for term in t:
            if isinstance(term, (Variable, BNode)):
                counts[term] = counts.get(term, 0) + 1
    varsknown = set(known)
    ordered: list[tuple] = []
    while pending:
        pending.sort(key=lambda t: _knownTerms(t, varsknown, counts))
        best = pending.pop(0)
        ordered.append(best)
        varsknown.update(x for x in best if isinstance(x, (Variable, BNode)))
    return ordered


def _reorder_algebra(node: object, known: set[Variable]) -> None:
    for item in _walk(node):
        if getattr(item, "name", None) == "BGP" and item.get("triples"):  # type: ignore[union-attr]
            item["triples"] = _reorder(item["triples"], known)  # type: ignore[index]


class PreparedSPARQLProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor with a parse cache and binding-aware pattern order."""

    _cache: dict[tuple, object] = {}

    def query(self, strOrQuery: Any, initBindings: Mapping[str, Any] | None = None,  # noqa: N803
              initNs: Mapping[str, Any] | None = None, base: str | None = None,
              DEBUG: bool = False) -> Any:
        if isinstance(strOrQuery, str):
            bound = frozenset(str(k) for k in (initBindings or {}))
            key = (strOrQuery, bound, base, tuple(sorted((initNs or {}).items())))
            prepared = self._cache.get(key)
            if prepared is None:
                prepared = translateQuery(parseQuery(strOrQuery), base, initNs)
                _reorder_algebra(prepared.algebra, {Variable(v) for v in bound})
                if len(self._cache) > 512:
                    self._cache.clear()
                self._cache[key] = prepared
            strOrQuery = prepared
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


# --------------------------------------------------------------------------------------------
# Running pySHACL
# --------------------------------------------------------------------------------------------

def _require(project: Project, path: Path, what: str) -> Graph:
    name = _rel(project, path)
    if not path.is_file():
        raise InputError(f"no such file ({what} are needed to validate)", source=name)
    return io.parse_rdf(path, source=name)


def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.data_dir).as_posix()
    except ValueError:
        return str(path)


def load_data(paths: Sequence[str | os.PathLike[str]]) -> Graph:
    """Merge the given RDF files into one graph (InputError names the file that failed)."""
    graph = Graph(bind_namespaces="none")
    for path in paths:
        io.parse_rdf(Path(path), source=str(path), graph=graph)
    return graph


def validate(data: Graph | Sequence[str | os.PathLike[str]], project: Project, *,
             strict: bool = False, allow_unsafe_shapes: bool = False) -> Report:
    """Validate a graph (or RDF files) with the project's shapes and ontology; return the Report.

    `strict` does not change the findings; it is recorded for callers deciding an exit code via
    `report.ok(strict)`. The data always includes the source document node.

        >>> from kgtool.project import locate
        >>> validate(["graph/songjiang.ttl"], locate()).conforms   # doctest: +SKIP
        True
    """
    import pyshacl  # heavy; only the validating commands pay for it

    from kgtool.build import SCHEMA as _S, SOURCE, source_documents

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    rdflib.plugin.register("sparql", Processor, __name__, "PreparedSPARQLProcessor")
    shapes = _require(project, project.shapes, "the shapes")
    for extra in project.shapes_files[1:]:
        shapes += _require(project, extra, "the link shapes")
    ontology = _require(project, project.ontology, "the ontology")
    if not allow_unsafe_shapes:
        check_shapes_policy(shapes, ontology, source=_rel(project, project.shapes))
    graph = data if isinstance(data, Graph) else load_data(data)
    if (SOURCE, _S.text, None) not in graph:
        graph = graph + source_documents(project)
    try:
        _conforms, results, _text = pyshacl.validate(
            graph, shacl_graph=shapes, ont_graph=ontology, inference="rdfs",
            allow_warnings=True, allow_infos=True, advanced=False, abort_on_first=False,
            do_owl_imports=False)
    except PolicyError:
        raise
    except Exception as exc:  # noqa: BLE001 - pySHACL reports bad shapes with many types
        raise InputError(f"SHACL validation could not run: {' '.join(str(exc).split())}",
                         source=_rel(project, project.shapes)) from None
    finally:
        rdflib.NORMALIZE_LITERALS = False  # pySHACL resets it to True; we keep lexical forms
    return Report(findings=_findings(results, graph), results_graph=results)


def _findings(results: Graph, data: Graph) -> list[Finding]:
    out = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        shape = results.value(result, SH.sourceShape)
        component = results.value(result, SH.sourceConstraintComponent)
        out.append(Finding(
            severity=_SEVERITIES.get(results.value(result, SH.resultSeverity), "Violation"),
            focus=_compact(focus) if focus is not None else "",
            label=_zh_label(data, focus),
            path=_path(results, path) if path is not None else None,
            value=_compact(value) if value is not None else None,
            message="; ".join(messages) or (_compact(component) if component else "constraint failed"),
            shape=_compact(shape) if shape is not None and not isinstance(shape, BNode) else None,
            component=_compact(component) if component is not None else None))
    return sorted(out, key=lambda f: (_ORDER[f.severity], f.focus, f.path or "", f.value or "",
                                      f.message, f.shape or ""))


def _zh_label(data: Graph, node: object) -> str | None:
    if node is None or isinstance(node, Literal):
        return None
    for prop in _LABELS:
        for label in sorted(data.objects(node, prop), key=str):  # type: ignore[arg-type]
            if isinstance(label, Literal) and (label.language or "").lower() == "zh-hans":
                return str(label)
    return None


def _path(g: Graph, path: object) -> str:
    """A SHACL property path in SPARQL-ish syntax."""
    if not isinstance(path, BNode):
        return _compact(path)
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path(g, inverse)
    for prop, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, prop)
        if inner is not None:
            return f"({_path(g, inner)}){mark}"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(g, p) for p in g.items(alternatives)) + ")"
    items = list(g.items(path))
    return "/".join(_path(g, p) for p in items) if items else "[path]"


def _compact(term: object) -> str:
    """`kg:Enterprise`, `<org/东华大学>`, `"literal"@zh-Hans` -- short names for humans."""
    if isinstance(term, URIRef):
        if term.startswith(namespaces.ID):
            return f"<{term[len(namespaces.ID):]}>"
        best = max(((p, ns) for p, ns in namespaces.PREFIXES.items() if term.startswith(ns)),
                   key=lambda pn: len(pn[1]), default=None)
        if best is not None:
            return f"{best[0]}:{term[len(best[1]):]}"
        return f"<{term}>"
    if isinstance(term, Literal):
        text = str(term)
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None:
            return f'"{text}"^^{_compact(term.datatype)}'
        return f'"{text}"'
    if isinstance(term, BNode):
        return "[]"
    return str(term)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if _width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > limit - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render(report: Report, fmt: str = "table") -> str:
    """The report as `table` (aligned, CJK-aware), `json`, or `turtle` (SHACL results graph)."""
    if fmt == "json":
        return json.dumps({"conforms": report.conforms,
                           "violations": len(report.violations),
                           "warnings": len(report.warnings),
                           "findings": [asdict(f) for f in report.findings]},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "turtle":
        return io.serialize_turtle(report.results_graph).decode("utf-8")
    if fmt != "table":
        raise UsageError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    header = ("severity", "focus", "label", "path", "value", "message")
    rows = [(f.severity, _clip(f.focus, 40), _clip(f.label or "", 20), _clip(f.path or "", 30),
             _clip(f.value or "", 30),
             _clip(f.message + (f" [{f.shape}]" if f.shape else ""), 80))
            for f in report.findings]
    lines = []
    if rows:
        widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines.append("  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip())
        lines.extend("  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows)
    lines.append(report.summary())
    return "\n".join(lines) + "\n"
