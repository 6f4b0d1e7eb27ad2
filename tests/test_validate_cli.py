"""`kgtool validate` and the CLI's error contract: exit codes, one-line errors, safe shapes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgtool import build as build_mod
from kgtool.errors import PolicyError
from kgtool.project import Project
from kgtool.validate import unsafe_clauses, validate

from conftest import ROOT, run_kgtool


def _tamper(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_validate_built_graph_conforms_with_a_warning(mini_project: Project, cli_run) -> None:
    build_mod.build(mini_project)
    result = cli_run(["validate", "--project", str(mini_project.root)])
    assert result.exit_code == 0, result.output
    assert "Warning" in result.stdout and "<place/卫星数字工厂>" in result.stdout
    assert "卫星数字工厂" in result.stdout and "no English label" in result.stdout
    strict = cli_run(["validate", "--strict", "--project", str(mini_project.root)])
    assert strict.exit_code == 1
    assert strict.stderr.startswith("error: graph/songjiang.ttl: 1 warning(s) under --strict")


def test_tampered_span_is_a_violation_of_the_span_shape(mini_project: Project, cli_run) -> None:
    build_mod.build(mini_project)
    _tamper(mini_project.built_graph, 'oa:exact "实现规上工业总产值3726.3亿元', 'oa:exact "实现规上工业总产值3726.4亿元')
    result = cli_run(["validate", "--format", "json", "--project", str(mini_project.root)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    (finding,) = [f for f in report["findings"] if f["severity"] == "Violation"]
    start = mini_project.seed.read_text(encoding="utf-8").index("实现规上工业总产值")
    assert finding["focus"] == f"<span/{start}-{start + 24}/quote>"
    assert finding["shape"] == "kg:SpanShape" and "differs from the seed slice" in finding["message"]


def test_validate_given_files_adds_source_document(mini_project: Project, tmp_path: Path, cli_run) -> None:
    """A file holding only spans validates because the source text is always added."""
    build_mod.build(mini_project)
    turtle = cli_run(["validate", "--format", "turtle", str(mini_project.built_graph),
                      "--project", str(mini_project.root)])
    assert turtle.exit_code == 0 and "sh:ValidationReport" in turtle.stdout


def test_missing_file_is_exit_3_one_line(mini_project: Project, cli_run) -> None:
    result = cli_run(["validate", "nope.ttl", "--project", str(mini_project.root)])
    assert result.exit_code == 3
    assert result.stderr == "error: nope.ttl: no such file\n"


def test_broken_turtle_reports_line_and_column(mini_project: Project, tmp_path: Path, cli_run) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix x: <http://x/> .\nx:a x:b x:c ;\n  x:d "oops .\n', encoding="utf-8")
    result = cli_run(["validate", str(bad), "--project", str(mini_project.root)])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: {bad}:3:")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_shapes_is_a_clear_input_error(mini_project: Project, cli_run) -> None:
    mini_project.shapes.unlink()
    result = cli_run(["build", "--project", str(mini_project.root)])
    assert result.exit_code == 3
    assert result.stderr.startswith("error: ontology/shapes.ttl: no such file")


def test_bad_project_dir_is_usage_error(tmp_path: Path, cli_run) -> None:
    result = cli_run(["validate", "--project", str(tmp_path)])
    assert result.exit_code == 2 and "not a kgtool checkout" in result.stderr


# --- unsafe SHACL-SPARQL -------------------------------------------------------------------------

@pytest.mark.parametrize("query, clause", [
    ("SELECT $this ?o FROM <file:///etc/secret.ttl> WHERE { $this ?p ?o }", "FROM"),
    ("SELECT $this WHERE { # SERVICE in a comment is fine\n $this ?p ?o . "
     "service silent <http://127.0.0.1:9/> { ?a ?b ?c } }", "SERVICE"),
    ("PREFIX f: <file:///> SELECT $this FROM NAMED f:etc WHERE { GRAPH ?g { $this ?p ?o } }", "FROM NAMED"),
    ("SELECT $this WHERE { FILTER EXISTS { SERVICE <http://x/> { $this ?p ?o } } }", "SERVICE"),
])
def test_unsafe_clauses_found_on_the_parse(query: str, clause: str) -> None:
    assert clause in unsafe_clauses(query)


def test_harmless_strings_are_not_unsafe() -> None:
    assert unsafe_clauses('SELECT $this WHERE { $this ?p "SERVICE FROM <file:///x>" }') == []


def _unsafe_shapes(project: Project, secret: Path) -> None:
    with project.shapes.open("a", encoding="utf-8") as f:
        f.write(f'''
kg:LeakShape a sh:NodeShape ; sh:targetClass kg:District ;
    sh:sparql [ sh:message "leaked {{?o}}" ;
        sh:select """SELECT $this ?o FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}""" ] .
''')


def test_unsafe_shapes_are_refused_with_exit_4(mini_project: Project, tmp_path: Path, cli_run) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text('<urn:a> <urn:b> "TOP-SECRET" .\n', encoding="utf-8")
    build_mod.build(mini_project)
    _unsafe_shapes(mini_project, secret)
    result = cli_run(["validate", "--project", str(mini_project.root)])
    assert result.exit_code == 4
    assert "kg:LeakShape uses FROM" in result.stderr and "TOP-SECRET" not in result.output
    with pytest.raises(PolicyError):
        validate([mini_project.built_graph], mini_project)


def test_allowed_unsafe_shapes_still_cannot_read_files(mini_project: Project, tmp_path: Path, cli_run) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text('<urn:a> <urn:b> "TOP-SECRET" .\n', encoding="utf-8")
    build_mod.build(mini_project)
    _unsafe_shapes(mini_project, secret)
    result = cli_run(["validate", "--allow-unsafe-shapes", "--format", "json",
                      "--project", str(mini_project.root)])
    assert "TOP-SECRET" not in result.output


def test_no_traceback_for_internal_errors_in_subprocess(tmp_path: Path) -> None:
    proc = run_kgtool(["validate", "--format", "nonsense"], cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


# --- the real project ----------------------------------------------------------------------------

def test_real_built_graph_conforms(real_project: Project) -> None:
    assert real_project.built_graph.exists(), "graph/songjiang.ttl is missing: run `kgtool build`"
    report = validate([real_project.built_graph], real_project)
    assert report.violations == [], "\n".join(
        f"{f.focus} {f.path}: {f.message}" for f in report.violations[:20])


# --- portable semantics: exactly the data, spec conformance, two engines (issue 10.1) ----------

def test_conforms_follows_the_spec_but_warnings_still_exit_0(mini_project: Project, cli_run) -> None:
    build_mod.build(mini_project)
    result = cli_run(["validate", "--format", "json", "--project", str(mini_project.root)])
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["warnings"] == 1 and report["violations"] == 0
    assert report["conforms"] is False and report["ok"] is True
    turtle = cli_run(["validate", "--format", "turtle", "--project", str(mini_project.root)])
    assert turtle.exit_code == 0 and "sh:conforms false" in turtle.stdout


def test_both_engines_give_the_same_findings(mini_project: Project) -> None:
    build_mod.build(mini_project)
    ours = validate([mini_project.built_graph], mini_project)
    reference = validate([mini_project.built_graph], mini_project, engine="pyshacl")
    assert ours.findings and ours.findings == reference.findings


def test_both_engines_read_every_graph_of_a_trig_file(real_project: Project) -> None:
    """The built dataset is TriG with its triples in named graphs: both engines validate all
    of them (rdflib's reader once kept only the default graph, and pySHACL found nothing)."""
    trig = real_project.data_dir / "graph" / "songjiang.trig"
    ours = validate([trig], real_project)
    reference = validate([trig], real_project, engine="pyshacl")
    assert ours.findings and ours.findings == reference.findings
    assert ours.findings == validate([real_project.built_graph], real_project).findings


def test_no_rdflib_setting_outlives_a_validation(mini_project: Project) -> None:
    import rdflib
    import rdflib.plugins.sparql
    from rdflib.plugins.sparql.processor import SPARQLProcessor
    from rdflib.query import Processor

    build_mod.build(mini_project)
    before = (rdflib.NORMALIZE_LITERALS, rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS)
    validate([mini_project.built_graph], mini_project, engine="pyshacl")
    assert (rdflib.NORMALIZE_LITERALS, rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS) == before
    assert rdflib.plugin.get("sparql", Processor) is SPARQLProcessor


def _without_sources(real_project: Project, dest: Path, *, alter_quote: bool = False) -> Path:
    """The built graph minus the source documents (a user's facts file), optionally with one
    quote altered."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF

    from kgtool.namespaces import PREFIXES

    g = Graph().parse(real_project.built_graph)
    articles = set(g.subjects(RDF.type, URIRef(PREFIXES["schema"] + "NewsArticle")))
    assert articles
    for src in articles:
        g.remove((src, None, None))
    if alter_quote:
        exact = URIRef(PREFIXES["oa"] + "exact")
        quote, text = sorted(g.subject_objects(exact))[0]
        g.set((quote, exact, Literal(str(text)[:-1] + "〇")))
    g.serialize(dest, format="nt", encoding="utf-8")
    return dest


def test_a_facts_file_gets_no_finding_about_kgtools_own_article(real_project: Project, tmp_path: Path,
                                                                 cli_run) -> None:
    facts = _without_sources(real_project, tmp_path / "my-facts.nt")
    result = cli_run(["validate", "--format", "json", str(facts), "--project", str(real_project.root)])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert not [f for f in report["findings"] if f["focus"].startswith("<source/")]
    # ... but its spans are still proven against the article's text
    broken = _without_sources(real_project, tmp_path / "broken.nt", alter_quote=True)
    result = cli_run(["validate", "--format", "json", str(broken), "--project", str(real_project.root)])
    assert result.exit_code == 1
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "Violation"]
    assert finding["shape"] == "kg:shapes/SourceShape" and finding["value"].startswith("<span/")


def test_unsupported_shacl_is_refused_clearly(mini_project: Project, cli_run) -> None:
    build_mod.build(mini_project)
    with mini_project.shapes.open("a", encoding="utf-8") as f:
        f.write("\nkg:XoneShape a sh:NodeShape ; sh:targetClass kg:District ;\n"
                "    sh:xone ( [ sh:class kg:District ] [ sh:class kg:Facility ] ) .\n")
    result = cli_run(["validate", "--project", str(mini_project.root)])
    assert result.exit_code == 3
    assert "sh:xone" in result.stderr and "--engine pyshacl" in result.stderr
    reference = cli_run(["validate", "--engine", "pyshacl", "--project", str(mini_project.root)])
    assert reference.exit_code == 0, reference.output
