"""`kgtool import-reference` and `kgtool link`: thin click layers over
kgtool.api.import_reference (the importer registry, kgtool.reference.IMPORTERS) and
kgtool.api.update_links.

Reference datasets are read from wherever the user keeps them (arguments; by default the shared
folder, `$KGTOOL_SHARED/data`), and the reference graphs go to the cache (`--cache`,
`$KGTOOL_CACHE`, `~/.cache/kgtool`) — never into the repository.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import click

from kgtool import project as project_mod
from kgtool.cli import handle_errors, project_option
from kgtool.errors import ValidationFailed
from kgtool.reference import IMPORTERS

cache_option = click.option(
    "--cache", "cache", type=click.Path(file_okay=False), default=None, metavar="DIR",
    help="Where reference graphs are stored (default: $KGTOOL_CACHE, else ~/.cache/kgtool). "
         "Must be outside the repository.")

KINDS = tuple(IMPORTERS)


def _count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.suffix.lower() == ".json":
            continue
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                total += chunk.count(b"\n")
    return total


class _Progress:
    """A progress bar on a terminal for long imports; silent otherwise (logs, pipes, tests)."""

    def __init__(self, paths: list[Path], label: str) -> None:
        size = sum(p.stat().st_size for p in paths if p.is_file())
        self.bar: Any = None
        if sys.stderr.isatty() and size > 4 * 1024 * 1024:
            self.bar = click.progressbar(length=_count_lines(paths), label=label, file=sys.stderr)

    def __enter__(self) -> Callable[[int], None] | None:
        if self.bar is None:
            return None
        self.bar.__enter__()
        return self.bar.update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.command("import-reference")
@click.argument("kind", type=click.Choice([*KINDS, "all"]))
@click.argument("paths", nargs=-1, type=click.Path())
@cache_option
@click.option("--villages", is_flag=True,
              help="divisions: also import villages.csv when a folder is given (620k rows nationally).")
@click.option("--tree", "tree", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="industry: also import the full four-level tree from the SAH01 flat file.")
@click.option("--corrections", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="industry --tree: the corrections file (default: "
                   "graph/mappings/gbt4754-2017-corrections.csv of the checkout).")
@click.option("--edition", default=None, help="Override the edition recorded in the provenance.")
@click.option("--retrieved", default=None, help="Override how/when the files were retrieved.")
@click.option("--licence", "licence", default=None, metavar="IRI|'not stated'",
              help="Override the licence recorded in the provenance.")
@click.option("--source-url", default=None, help="Override the source recorded in the provenance.")
@project_option
@handle_errors
def import_reference_cmd(kind: str, paths: tuple[str, ...], cache: str | None, villages: bool,
                         tree: str | None, corrections: str | None, edition: str | None,
                         retrieved: str | None, licence: str | None, source_url: str | None,
                         project: str | None) -> None:
    """Import a reference dataset as released into an RDF reference graph in the cache.

    KIND is divisions (NBS statistical division codes: CSV files, a release folder, or
    pcas-code.json), history (GB/T 2260 code history CSV), industry (GB/T 4754-2017 sections
    and divisions table), wikidata (the QID table; verified rows only), or all (the default
    files of each, from $KGTOOL_SHARED/data). Bad input exits 3 and leaves the cache as it was.

    \b
    Examples:
        kgtool import-reference all
        kgtool import-reference divisions ../shared/data/china-admin-divisions/national --cache /tmp/kg
        kgtool import-reference history ../shared/data/china-admin-code-history/national-county-level-history.csv
    """
    from kgtool import api
    from kgtool.reference.common import display

    overrides = {k: v for k, v in (("edition", edition), ("retrieval", retrieved),
                                   ("licence", licence), ("source", source_url)) if v}
    done = api.import_reference(kind, paths, cache=cache, project=project_mod.locate(project),
                                overrides=overrides, villages=villages, tree=tree,
                                corrections=corrections,
                                progress=lambda k, inputs: _Progress(inputs, f"importing {k}"))
    for k, inputs, target, n in done:
        click.echo(f"{k}: {n:,} triples from {', '.join(display(p) for p in inputs)} → {target}")


@click.command("link")
@cache_option
@click.option("--output-dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write links.ttl and links.sssom.tsv here (default: the checkout's graph/).")
@click.option("--date", default=None, metavar="YYYY-MM-DD",
              help="mapping_date of the links (default: the one in the committed SSSOM file, so "
                   "re-running changes nothing; today for a new file).")
@click.option("--report", is_flag=True,
              help="Print every place's verdict and precision/recall on the gold sets.")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if the committed links differ from a fresh run.")
@project_option
@handle_errors
def link_cmd(cache: str | None, output_dir: str | None, date: str | None, report: bool,
             check: bool, project: str | None) -> None:
    """Match the graph's places and industries to the reference graphs and write the links.

    Places: NBS divisions by name and containment (ambiguous names are reported, never
    linked), verified Wikidata QIDs; industries: graph/mappings/industry-gbt4754.tsv. Needs
    `kgtool import-reference all` first.

    \b
    Examples:
        kgtool link                  # rewrite graph/links.ttl and graph/links.sssom.tsv
        kgtool link --report         # every place's verdict, precision and recall on the gold sets
        kgtool link --check          # exit 1 if the committed links are out of date
    """
    from kgtool import api

    run = api.update_links(project_mod.locate(project), cache=cache, output_dir=output_dir,
                           date=date, check=check, report=report)
    if run.report is not None:
        click.echo(run.report, nl=False)
    if check:
        if run.stale:
            folder = next(iter(run.files)).parent
            raise ValidationFailed(f"out of date: {', '.join(run.stale)}; run `kgtool link`",
                                   source=str(folder))
        click.echo("links are up to date")
        return
    click.echo(f"{len(run.result.links)} links → {', '.join(str(p) for p in run.files)}", err=True)
