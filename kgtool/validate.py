"""SHACL validation of the graph against the project's shapes, safely, with a report people can read.

Why this module:

* **Exactly the data, no inference.** The shapes (ontology/shapes.ttl + shapes-links.ttl) are
  portable SHACL Core + SHACL-SPARQL: they validate the data as it is, with no ontology mixed in
  and no RDFS closure, so Apache Jena, pySHACL and kgtool report the same results
  (tests/test_jena_shacl.py). The one addition: when the data has spans but not the source
  document they point into (a bare facts file), the registered source documents are added so
  the span proofs can run -- and a result about such an added node is reported only when its
  value is something the data itself describes (a span), never about kgtool's own article.
* **Two engines, one report.** The default `oxigraph` engine compiles the shapes to SPARQL and
  runs them on pyoxigraph (kgtool.shacl; 10-40x faster than pySHACL, see bench/README.md).
  `pyshacl` runs pySHACL with inference "none": the reference the tests compare against.
* **Shapes cannot read files or the network.** A `sh:select` can say `FROM <file:///…>` or
  SERVICE; shapes whose SPARQL has either are refused (exit 4, checked on SPARQL tokens, so
  comments and strings cannot hide a clause) unless the caller explicitly allows unsafe shapes.
  Even then rdflib's graph loading is off for the call and pyoxigraph never dereferences FROM.
* **A readable report.** Each finding names severity, focus node with its zh-Hans label, path,
  value, message and shape; `render` prints it as a table, JSON or the SHACL results Turtle.
  `conforms` follows the SHACL spec (true only without any result); exit codes are decided by
  `ok(strict)`: warnings alone pass.
"""
from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyoxigraph as ox

from kgtool import namespaces, sparql_policy
from kgtool.errors import InputError, PolicyError, UsageError
from kgtool.project import Project
from kgtool.shacl import Result, ShapesGraph, from_rdflib, load_files, validate_store
from kgtool.shacl.data import core_quads, restore, stand_in

FORMATS = ("table", "turtle", "json")
ENGINES = ("oxigraph", "pyshacl")
SH = namespaces.PREFIXES["sh"]
RDF_TYPE = namespaces.PREFIXES["rdf"] + "type"
SCHEMA_TEXT = namespaces.PREFIXES["schema"] + "text"
_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
_LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label",
           "http://xmlns.com/foaf/0.1/name", "http://purl.org/dc/terms/title",
           "http://data.europa.eu/eli/ontology#title", "https://schema.org/name")


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
    """The outcome of one validation: findings, plus the results they came from."""

    findings: list[Finding]
    results: list[Result] = field(default_factory=list)
    shapes: ShapesGraph | None = None
    _graph: Any = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """The SHACL spec's sh:conforms: true only when there is no result at all."""
        return not self.findings

    def ok(self, strict: bool = False) -> bool:
        """No violations (warnings and infos pass), and under `strict` no warnings either.
        This, not `conforms`, decides kgtool's exit code."""
        return not self.violations and not (strict and self.warnings)

    def summary(self) -> str:
        n = {s: sum(1 for f in self.findings if f.severity == s) for s in _ORDER}
        verdict = ("conforms" if self.conforms else
                   "passes with warnings (does not conform)" if self.ok() else "does not conform")
        return (f"{verdict}: {n['Violation']} violation(s), {n['Warning']} warning(s), "
                f"{n['Info']} info(s)")

    @property
    def results_graph(self) -> Any:
        """The SHACL validation report as an rdflib Graph (built on first use)."""
        if self._graph is None:
            self._graph = _results_graph(self.results, self.shapes)
        return self._graph


# --------------------------------------------------------------------------------------------
# Safety policy for SHACL-SPARQL
# --------------------------------------------------------------------------------------------

def unsafe_clauses(query: str) -> list[str]:
    """The clauses of a SPARQL query that could read files or the network (SERVICE, FROM,
    FROM NAMED), found on SPARQL tokens: comments, strings, case and prefixed names cannot hide
    or fake one."""
    info = sparql_policy.analyse(query)
    found: set[str] = set()
    for allow_service, allow_from in ((False, True), (True, False)):
        try:
            sparql_policy.check(info, allow_service=allow_service, allow_from=allow_from)
        except PolicyError as err:
            msg = err.message
            found.add("SERVICE" if msg.startswith("SERVICE") else
                      "FROM NAMED" if msg.startswith("FROM NAMED") else
                      "FROM" if msg.startswith("FROM") else "update")
    return sorted(found)


def check_shapes_policy(shapes: ShapesGraph, *, source: str = "ontology/shapes.ttl") -> None:
    """PolicyError (exit 4) if any sh:select / sh:ask / sh:construct uses SERVICE or FROM."""
    for prop in ("select", "ask", "construct"):
        for node, text in sorted(shapes.pos.get(SH + prop, ()), key=lambda so: so[1].value):
            prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in sorted(shapes.prefixes(node).items()))
            clauses = unsafe_clauses(prologue + text.value)
            if clauses:
                owners = shapes.subjects(SH + "sparql", node) or [node]
                owner = sorted(owners, key=str)[0]
                raise PolicyError(
                    f"shape {_compact(owner)} uses {', '.join(clauses)} in its SPARQL, which could "
                    "read local files or the network; refused (use --allow-unsafe-shapes to "
                    "run it anyway)", source=source)


# --------------------------------------------------------------------------------------------
# Running a validation
# --------------------------------------------------------------------------------------------

def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.data_dir).as_posix()
    except ValueError:
        return str(path)


def load_shapes(project: Project) -> ShapesGraph:
    files = project.shapes_files
    return ShapesGraph.from_files(files, names=[_rel(project, p) for p in files])


def validate(data: Any, project: Project, *, strict: bool = False, allow_unsafe_shapes: bool = False,
             engine: str = "oxigraph") -> Report:
    """Validate an rdflib Graph or RDF files with the project's shapes; return the Report.

    `strict` does not change the findings; callers decide the exit code with `report.ok(strict)`.

        >>> from kgtool.project import locate
        >>> validate(["graph/songjiang.ttl"], locate()).ok()   # doctest: +SKIP
        True
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown SHACL engine {engine!r}; expected one of {', '.join(ENGINES)}")
    shapes = load_shapes(project)
    if not allow_unsafe_shapes:
        check_shapes_policy(shapes, source=_rel(project, project.shapes))
    store = ox.Store()
    graph = None
    if hasattr(data, "triples"):                     # an rdflib Graph (build)
        graph = data
    elif engine == "pyshacl":                        # the reference reads the files with rdflib
        graph = load_data(data)
    if graph is not None:
        store.extend(from_rdflib(graph))
    else:
        load_files(store, [Path(p) for p in data])
    added = _add_source_documents(store, project)
    if engine == "oxigraph":
        results = validate_store(store, shapes)
    else:
        results = _pyshacl(graph, added, project)
    if added:
        described = {q.subject for q in core_quads(store) if q.subject not in added}
        results = [r for r in results if r.focus not in added or
                   (r.value is not None and r.value != r.focus and stand_in(r.value) in described)]
    return Report(findings=_findings(results, store, shapes), results=results, shapes=shapes)


def _add_source_documents(store: Any, project: Project) -> set[Any]:
    """Add the registered source documents the data's spans point to but does not hold.
    Returns the subjects added (results about them are filtered by the caller)."""
    has_source = ox.NamedNode(namespaces.PREFIXES["oa"] + "hasSource")
    pointed = {q.object for q in core_quads(store, None, has_source)}
    text = ox.NamedNode(SCHEMA_TEXT)
    missing = {s for s in pointed
               if not any(True for _ in core_quads(store, s, text))}
    if not missing:
        return set()
    from kgtool.build import source_documents  # rdflib; only for bare facts files

    docs = ox.Store()
    docs.extend(from_rdflib(source_documents(project)))
    added: set[Any] = set()
    for q in docs:
        if q.subject in missing:
            store.add(q)
            added.add(q.subject)
    return added


def _pyshacl(graph: Any, added: set[Any], project: Project) -> list[Result]:
    """The reference engine: pySHACL with no inference, on exactly the data (plus the source
    documents `_add_source_documents` added)."""
    import pyshacl  # heavy; only when asked for
    import rdflib
    import rdflib.plugins.sparql
    from rdflib import Graph, URIRef

    from kgtool.build import source_documents
    from kgtool.io import parse_rdf

    old_load, old_norm = rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS, rdflib.NORMALIZE_LITERALS
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False   # a shape's FROM never loads anything
    try:
        if added:
            subjects = {URIRef(n.value) for n in added if isinstance(n, ox.NamedNode)}
            docs = source_documents(project)
            graph = graph + Graph().__iadd__(t for t in docs if t[0] in subjects)
        shapes = Graph(bind_namespaces="none")
        for path in project.shapes_files:
            parse_rdf(path, format="turtle", source=_rel(project, path), graph=shapes)
        try:
            _conforms, results, _text = pyshacl.validate(
                graph, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True,
                advanced=False, abort_on_first=False, do_owl_imports=False)
        except PolicyError:
            raise
        except Exception as exc:  # noqa: BLE001 - pySHACL reports bad shapes with many types
            raise InputError(f"SHACL validation could not run: {' '.join(str(exc).split())}",
                             source=_rel(project, project.shapes)) from None
    finally:
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = old_load
        rdflib.NORMALIZE_LITERALS = old_norm  # pySHACL sets it; the setting must not outlive us
    return _from_rdflib_results(results)


def _from_rdflib_results(results: Any) -> list[Result]:
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF, SH as RSH

    shape_ids: dict[Any, Any] = {}

    def ox_term(t: Any) -> Any:
        if t is None:
            return None
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))) if t.datatype else ox.Literal(str(t))
        if isinstance(t, BNode):
            return shape_ids.setdefault(t, ox.BlankNode())
        return None

    out = set()
    for r in results.subjects(RDF.type, RSH.ValidationResult):
        sev = results.value(r, RSH.resultSeverity)
        comp = results.value(r, RSH.sourceConstraintComponent)
        out.add(Result(
            focus=ox_term(results.value(r, RSH.focusNode)),
            path=ox_term(results.value(r, RSH.resultPath)),
            severity=str(sev)[len(SH):] if sev is not None else "Violation",
            shape=ox_term(results.value(r, RSH.sourceShape)),
            component=str(comp)[len(SH):] if comp is not None else "",
            value=ox_term(results.value(r, RSH.value)),
            messages=tuple(sorted((ox_term(m) for m in results.objects(r, RSH.resultMessage)), key=str))))
    return sorted(out, key=lambda r: (str(r.focus), str(r.shape), r.component, str(r.value)))


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

def _findings(results: list[Result], store: Any, shapes: ShapesGraph) -> list[Finding]:
    labels = _zh_labels(store, {r.focus for r in results})
    out = []
    for r in results:
        messages = sorted(m.value for m in r.messages)
        out.append(Finding(
            severity=r.severity if r.severity in _ORDER else "Violation",
            focus=_compact(r.focus),
            label=labels.get(r.focus),
            path=_path(r.path, shapes) if r.path is not None else None,
            value=_compact(r.value) if r.value is not None else None,
            message="; ".join(messages) or (f"sh:{r.component}" if r.component else "constraint failed"),
            shape=_compact(r.shape) if isinstance(r.shape, ox.NamedNode) else None,
            component=f"sh:{r.component}" if r.component else None))
    return sorted(out, key=lambda f: (_ORDER[f.severity], f.focus, f.path or "", f.value or "",
                                      f.message, f.shape or ""))


def _zh_labels(store: Any, nodes: Iterable[Any]) -> dict[Any, str]:
    out: dict[Any, str] = {}
    for node in nodes:
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            continue
        for prop in _LABELS:
            found = sorted(q.object.value for q in core_quads(store, node, ox.NamedNode(prop))
                if isinstance(q.object, ox.Literal) and (q.object.language or "").lower() == "zh-hans")
            if found:
                out[node] = found[0]
                break
    return out


def _path(path: Any, shapes: ShapesGraph) -> str:
    """A SHACL property path in SPARQL-ish syntax."""
    if isinstance(path, ox.NamedNode):
        return _compact(path)
    inverse = shapes.value(path, SH + "inversePath")
    if inverse is not None:
        return "^" + _path(inverse, shapes)
    for name, mark in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        inner = shapes.value(path, SH + name)
        if inner is not None:
            return f"({_path(inner, shapes)}){mark}"
    alternatives = shapes.value(path, SH + "alternativePath")
    if alternatives is not None:
        return "(" + "|".join(_path(p, shapes) for p in shapes.items(alternatives)) + ")"
    if shapes.value(path, namespaces.PREFIXES["rdf"] + "first") is not None:
        return "/".join(_path(p, shapes) for p in shapes.items(path))
    return "[path]"


def _compact(term: Any) -> str:
    """`kg:Enterprise`, `<org/东华大学>`, `"literal"@zh-Hans` -- short names for humans."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if iri.startswith(namespaces.ID):
            return f"<{iri[len(namespaces.ID):]}>"
        best = max(((p, ns) for p, ns in namespaces.PREFIXES.items() if iri.startswith(ns)),
                   key=lambda pn: len(pn[1]), default=None)
        if best is not None:
            return f"{best[0]}:{iri[len(best[1]):]}"
        return f"<{iri}>"
    if isinstance(term, ox.Literal):
        from kgtool.output import LangCase

        term = restore(term)
        if term.language:
            return f'"{term.value}"@{LangCase()(term.language)}'
        if term.datatype.value != namespaces.PREFIXES["xsd"] + "string":
            return f'"{term.value}"^^{_compact(term.datatype)}'
        return f'"{term.value}"'
    if isinstance(term, ox.BlankNode):
        return "[]"
    return str(term)


# --------------------------------------------------------------------------------------------
# The SHACL results graph (Turtle output)
# --------------------------------------------------------------------------------------------

def _results_graph(results: list[Result], shapes: ShapesGraph | None) -> Any:
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import RDF, SH as RSH, XSD

    from kgtool.output import LangCase

    lang_case = LangCase()
    g = Graph(bind_namespaces="none")
    bnodes: dict[Any, BNode] = {}

    def rd(t: Any) -> Any:
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.Literal):
            t = restore(t)
            if t.language:
                return Literal(t.value, lang=lang_case(t.language))
            return Literal(t.value, datatype=URIRef(t.datatype.value), normalize=False)
        if isinstance(t, ox.BlankNode):
            return bnodes.setdefault(t, BNode(f"b{len(bnodes)}"))
        return None

    def copy_path(node: Any) -> None:
        """A blank-node path's structure, from the shapes graph."""
        if shapes is None or not isinstance(node, ox.BlankNode):
            return
        for p in shapes.predicates(node):
            for o in shapes.objects(node, p):
                g.add((rd(node), URIRef(p), rd(o)))
                copy_path(o)

    report = BNode("report")
    g.add((report, RDF.type, RSH.ValidationReport))
    g.add((report, RSH.conforms, Literal(not results, datatype=XSD.boolean)))
    for i, r in enumerate(results):
        node = BNode(f"result{i:05d}")
        g.add((report, RSH.result, node))
        g.add((node, RDF.type, RSH.ValidationResult))
        g.add((node, RSH.focusNode, rd(r.focus)))
        g.add((node, RSH.resultSeverity, URIRef(SH + r.severity)))
        if r.component:
            g.add((node, RSH.sourceConstraintComponent, URIRef(SH + r.component)))
        if r.shape is not None:
            g.add((node, RSH.sourceShape, rd(r.shape)))
        if r.path is not None:
            g.add((node, RSH.resultPath, rd(r.path)))
            copy_path(r.path)
        if r.value is not None:
            g.add((node, RSH.value, rd(r.value)))
        for m in r.messages:
            g.add((node, RSH.resultMessage, rd(m)))
    return g


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
                           "ok": report.ok(),
                           "violations": len(report.violations),
                           "warnings": len(report.warnings),
                           "findings": [asdict(f) for f in report.findings]},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "turtle":
        from kgtool import io

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


def load_data(paths: Sequence[str | os.PathLike[str]]) -> Any:
    """Merge the given RDF files into one rdflib graph (InputError names the file that failed)."""
    from rdflib import Graph

    from kgtool import io

    graph = Graph(bind_namespaces="none")
    for path in paths:
        io.parse_rdf(Path(path), source=str(path), graph=graph)
    return graph
