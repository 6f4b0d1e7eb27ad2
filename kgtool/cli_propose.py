"""`kgtool propose`: draft the facts of a new document for a curator (kgtool.propose)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kgtool import project as project_mod
from kgtool.cli import handle_errors, project_option

if TYPE_CHECKING:
    from kgtool.propose.model import Proposal


@click.command("propose")
@click.argument("source")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the draft here (atomically) instead of standard output.")
@click.option("--published", metavar="DATE", default=None,
              help="Publication date (YYYY-MM-DD, YYYY-MM or YYYY) that resolves 今年, 当前 and bare "
                   "months; default: the registry's date for a registered source, else none.")
@click.option("--diff", "diff", is_flag=True,
              help="Print only what the draft adds over the curated facts (statistics by "
                   "value+unit+period, entities by IRI or label), one line each.")
@click.option("--against", "against", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Curated Turtle to compare with for --diff (repeatable; default: the built graph).")
@click.option("--reference", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Shared folder holding data/china-admin-divisions and "
                                 "data/gbt4754-2017-industry (default: $KGTOOL_SHARED or ../shared).")
@click.option("--no-reference", is_flag=True, help="Use no reference data, only the graph and patterns.")
@click.option("--no-graph", is_flag=True, help="Do not use the curated graph's labels.")
@project_option
@handle_errors
def propose_cmd(source: str, output: Path | None, published: str | None, diff: bool,
                against: tuple[Path, ...], reference: Path | None, no_reference: bool,
                no_graph: bool, project: str | None) -> None:
    """Draft the facts of SOURCE (a registered source key or a UTF-8 text file) as Turtle.

    Finds statistics (value, unit, indicator, period, rank, growth, approximation), dated events,
    and mentions of the graph's entities, administrative divisions, GB/T 4754 classes and of
    organisations, people and posts; every proposal has a quote verified unique in SOURCE, a
    kg:confidence and kg:reviewStatus kg:Proposed. Offline and deterministic.

    Exit codes: 0 ok, 2 usage error, 3 unreadable input (missing, empty, binary, not UTF-8,
    too large).

    \b
    Examples:
      kgtool propose songjiang-advanced-manufacturing --published 2025 -o /tmp/draft.ttl
      kgtool propose tests/fixtures/sources/songjiang-bulletin-2025.txt --published 2025-12-20 --diff
    """
    from kgtool import api

    proj = project_mod.locate(project)
    options: dict[str, Any] = {
        "published": published, "graph": not no_graph,
        "reference": False if no_reference else (reference or True),
        "progress": _progress if sys.stderr.isatty() else None}
    if diff:
        draft, added = api.propose_diff(source, against=against, project=proj, **options)
    else:
        draft = api.propose(source, project=proj, **options)
    if sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)
    if diff:
        for p in added:
            click.echo(_diff_line(p))
        click.echo(f"{len(added)} of {len(draft.proposals)} proposals add to the curated facts", err=True)
        return
    text = draft.turtle()
    if output is None:
        click.echo(text, nl=False)
    else:
        from kgtool.outfile import write_bytes

        write_bytes(output, text.encode("utf-8"))
        click.echo(f"{output}: {len(draft.proposals)} proposals", err=True)


def _progress(stage: str, done: int, total: int) -> None:
    """One self-overwriting stderr line (only on a terminal): `propose: statistics 500/14000`."""
    click.echo(f"\rpropose: {stage} {done}/{total}\033[K", err=True, nl=False)


def _diff_line(p: "Proposal") -> str:
    quote = p.spans[0].clean.replace("\n", " ") if p.spans else ""
    spans = f"[{p.spans[0].start}, {p.spans[0].end})" if p.spans else ""
    if p.value is not None:
        value, unit, period = p.value
        return f"+ statistic {value} {unit} {period or '-'}  {spans} “{quote}”"
    return f"+ {p.kind} <{p.key}>  {spans} “{quote}”"
