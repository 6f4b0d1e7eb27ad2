"""The writing and checking commands: `kgtool build`, `kgtool validate`, `kgtool coverage`.

Each is a thin layer over `kgtool.api` (`build`, `is_stale`, `validate`) and `kgtool.coverage`:
parse options, call the library, print, pick the exit code. Errors are `KgtoolError`s turned into one line by
`kgtool.cli.handle_errors`.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from kgtool import errors, project as project_mod
from kgtool.cli import allow_remote_context_option, handle_errors, project_option


@click.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the graph here instead of graph/songjiang.ttl (required outside a checkout).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if the committed graph is stale (its recorded source "
                   "hash differs from the current sources), 0 if it is up to date.")
@click.option("--include-proposed", is_flag=True,
              help="Build even with unreviewed `kgtool propose` facts (kg:reviewStatus kg:Proposed) "
                   "in graph/facts/; without it they are refused (exit 3).")
@project_option
@handle_errors
def build_cmd(output: Path | None, check: bool, include_proposed: bool, project: str | None) -> None:
    """Build the knowledge graph from the seed article and the curated facts.

    Resolves every kg:sourceQuote to a text span of the seed, mints periods and instants,
    adds the source document, validates with SHACL and writes deterministic Turtle
    (graph/songjiang.ttl) atomically. Nothing is written when there are violations.

    Exit codes: 0 written (or up to date with --check), 1 SHACL violations (or stale with
    --check), 2 no output path outside a checkout, 3 bad input (Turtle syntax, a quote not in
    the seed, a blank node, a malformed period key).

    \b
    Examples:
      kgtool build                     # inside the checkout: writes graph/songjiang.ttl
      kgtool build -o /tmp/graph.ttl   # anywhere
      kgtool build --check             # CI: fail when graph/songjiang.ttl is out of date
    """
    from kgtool import api

    proj = project_mod.locate(project)
    if check:
        click.echo(api.check_build(proj, output))
        return
    try:
        result = api.build(proj, output=output, include_proposed=include_proposed)
    except errors.ValidationFailed as err:
        report = getattr(err, "report", None)
        if report is not None:
            from kgtool.validate import render
            click.echo(render(report, "table"), err=True, nl=False)
        raise
    warnings = len(result.report.warnings)
    click.echo(f"wrote {_shown(proj, result.output)}: {result.triples} triples, {result.spans} "
               f"spans, {warnings} SHACL warning(s); {result.source_hash}", err=True)


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "turtle", "json"]), default="table",
              show_default=True, help="Report format: aligned table, SHACL results Turtle, or JSON.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--allow-unsafe-shapes", is_flag=True,
              help="Run shapes whose SPARQL uses SERVICE or FROM (refused by default, exit 4).")
@click.option("--engine", type=click.Choice(["oxigraph", "pyshacl"]), default="oxigraph",
              show_default=True,
              help="SHACL engine: the shapes compiled to SPARQL on pyoxigraph, or pySHACL "
                   "(the slower reference; same findings).")
@allow_remote_context_option
@project_option
@handle_errors
def validate_cmd(files: tuple[Path, ...], fmt: str, strict: bool, allow_unsafe_shapes: bool,
                 engine: str, allow_remote_context: bool, project: str | None) -> None:
    """Validate the built graph (or FILES) with the project's SHACL shapes.

    Checks exactly the data against ontology/shapes.ttl and shapes-links.ttl: no inference and
    no ontology mixed in, so any SHACL engine (Jena, pySHACL) reports the same. When spans point
    to a registered source document the FILES lack, its text is added so span quotes can be
    checked (results about that added node itself are not reported).
    Prints each finding: severity, focus node and its zh-Hans label, path, value, message.
    The JSON and Turtle reports say conforms false whenever there is any result (SHACL spec).

    Exit codes: 0 no violations (warnings alone pass), 1 violations (or warnings with --strict),
    3 unreadable input, 4 shapes refused by policy.

    \b
    Examples:
      kgtool validate                          # the built graph/songjiang.ttl
      kgtool validate --format json | jq .violations
      kgtool validate --strict my-facts.ttl other.ttl
      kgtool validate --engine pyshacl         # the reference engine
    """
    from kgtool import api
    from kgtool.validate import render

    proj = project_mod.locate(project)
    shown = ", ".join(str(f) for f in files) if files else _shown(proj, proj.built_graph)
    report = api.validate(list(files) or None, project=proj, strict=strict,
                          allow_unsafe_shapes=allow_unsafe_shapes, engine=engine,
                          allow_remote_context=allow_remote_context)
    click.echo(render(report, fmt), nl=False)
    if not report.ok(strict):
        what = report.summary() if report.violations else f"{len(report.warnings)} warning(s) under --strict"
        raise errors.ValidationFailed(what, source=shown)


@click.command("coverage")
@click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="Take the fact spans from this built graph. Default: graph/songjiang.ttl when "
                   "it is up to date, else the facts as they are now (no validation).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--source", "source", default=None, metavar="KEY",
              help="Only this source document (a key of `kgtool source list`). Default: every "
                   "registered source, each with its own report.")
@project_option
@handle_errors
def coverage_cmd(graph_file: Path | None, fmt: str, project: str | None,
                 source: str | None) -> None:
    """List numbers and sentences of each source document that no fact covers.

    A number-bearing token (Arabic digits, or a declared Chinese-numeral expression such as
    两大 or 七分之一) must lie inside some fact's span; every sentence must overlap one. Text
    in graph/coverage-exclusions.toml ([[exclude]] text = "...", reason = "...") is excused.

    Exit codes: 0 everything covered, 1 gaps or a bad exclusion, 3 unreadable input.

    \b
    Examples:
      kgtool coverage                     # gaps with offsets, for curators
      kgtool coverage --format json > gaps.json
      kgtool coverage --source songjiang-advanced-manufacturing
    """
    from kgtool import api, coverage

    results = api.coverage(project_mod.locate(project), graph=graph_file, source=source,
                           on_note=lambda line: click.echo(line, err=True))
    docs = [{"source": src.key, "ok": report.ok,
             "tokens": len(report.tokens), "sentences": len(report.sentences),
             "uncovered_tokens": [asdict(t) for t in report.uncovered_tokens],
             "uncovered_sentences": [asdict(s) for s in report.uncovered_sentences],
             "excluded_sentences": len(report.excluded_sentences),
             "problems": report.problems} for src, report, _ in results]
    if fmt == "json":
        body = docs[0] if len(docs) == 1 else {"ok": all(d["ok"] for d in docs), "sources": docs}
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        for src, report, text in results:
            if len(results) > 1 or source is not None:
                click.echo(f"source {src.key} (seeds/{src.file})")
            click.echo(coverage.render(report, text), nl=False)
    gaps = sum(len(r.uncovered_tokens) + len(r.uncovered_sentences) + len(r.problems)
               for _, r, _ in results)
    if gaps:
        raise errors.ValidationFailed(f"coverage incomplete: {gaps} gap(s)", source="coverage")


def _shown(proj: project_mod.Project, path: Path) -> str:
    """A path relative to the project when it is inside it (shorter messages)."""
    try:
        return Path(path).resolve().relative_to(proj.data_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = ["build_cmd", "validate_cmd", "coverage_cmd"]
