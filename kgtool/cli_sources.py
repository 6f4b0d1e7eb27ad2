"""`kgtool source add|list` and `kgtool conflicts`: the collection of source documents.

Thin layers over `kgtool.api.sources`, `add_source` (the registry, seeds/sources.toml) and
`conflicts` (conflicting values across sources): parse, one call, render.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from kgtool import errors, project as project_mod
from kgtool.cli import handle_errors, project_option


@click.group("source")
def source_cmd() -> None:
    """Register and list the source documents the graph is built from (seeds/sources.toml).

    Each source has a metadata record (title, author, publisher, publication date, language,
    licence, URL, SHA-256) and its own curated facts in graph/facts/KEY/ (the first, default
    source also owns graph/facts/*.ttl). `kgtool build` checks every checksum.

    \b
    Examples:
      kgtool source list
      kgtool source add report.txt --title "松江区2025年…" --published 2025-12-20
    """


@source_cmd.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", default=None,
              help="The source's key: lower-case letters, digits, hyphens (default: the file name "
                   "without extension). Names its IRI, named graph and graph/facts/KEY/.")
@click.option("--metadata", "metadata", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Read the record from this TOML file (one [[source]] table); "
                                 "options given on the command line override it.")
@click.option("--title", default=None, help="The document's title, as printed.")
@click.option("--author", default=None, help="Author or byline, as printed.")
@click.option("--publisher", default=None, help="Publishing outlet or body.")
@click.option("--published", default=None, metavar="YYYY[-MM[-DD]]",
              help="Publication date, as precise as known.")
@click.option("--language", default=None, help="BCP 47 tag of the text (default zh-Hans).")
@click.option("--licence", default=None, metavar="URL", help="Licence URL, when known.")
@click.option("--url", default=None, help="Where the document was published, when known.")
@click.option("--note", default=None, help="A note about the document (English).")
@click.option("--file-name", "file_name", default=None,
              help="Name of the copy in seeds/ (default: FILE's name).")
@project_option
@handle_errors
def source_add_cmd(file: Path, key: str | None, metadata: Path | None, file_name: str | None,
                   project: str | None, **fields: str | None) -> None:
    """Register FILE as a source: copy it into seeds/ and record it in seeds/sources.toml.

    Refused (exit 3, nothing written): a file that is not UTF-8, the same bytes or key or file
    name as a registered source, a malformed field. Exit 2 outside a checkout.

    \b
    Examples:
      kgtool source add report-2025.txt --title "松江区2025年…" --published 2025-12-20
      kgtool source add tests/fixtures/sources/songjiang-bulletin-2025.txt \\
          --metadata tests/fixtures/sources/songjiang-bulletin-2025.toml
    """
    from kgtool import api

    record = {**fields, "key": key, "file": file_name}
    src = api.add_source(file, record, metadata=metadata, project=project_mod.locate(project))
    click.echo(f"registered {src.key}: seeds/{src.file} (sha256 {src.sha256[:12]}…); put its "
               f"facts in graph/facts/{src.key}/ and run `kgtool build`", err=True)


@source_cmd.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@project_option
@handle_errors
def source_list_cmd(fmt: str, project: str | None) -> None:
    """List the registered sources: key, publication date, facts files, checksum state, title.

    Exit codes: 0 every checksum matches, 3 a file is missing or changed (or a bad registry).

    \b
    Examples:
      kgtool source list
      kgtool source list --format json
    """
    from kgtool import api

    rows, bad = api.sources(project_mod.locate(project))
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['key']:<36} {r.get('published', '-'):<10}  {r['facts']:>2} facts file(s)  "
                       f"checksum {r['checksum']:<7}  {r['title']}{'  (default)' if r['default'] else ''}")
    if bad:
        raise bad[0]


@click.command("conflicts")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@project_option
@handle_errors
def conflicts_cmd(fmt: str, project: str | None) -> None:
    """List statistics that two sources report with different values, with their ranks.

    A statistic is an indicator for a place, period and unit (and what exactly is counted).
    Agreeing sources share one observation node (a span in each source); differing values are
    conflicts, ranked by the policy in seeds/sources.toml ([ranking]): preferred / normal /
    deprecated, as Wikidata ranks statements. Query the best-ranked values with
    `?obs a wikibase:BestRank` (see `kgtool query series`).

    Exit codes: 0 no conflicts, 1 conflicts listed, 3 bad input.

    \b
    Examples:
      kgtool conflicts
      kgtool conflicts --format json
    """
    from kgtool import api

    out = api.conflicts(project_mod.locate(project))
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for c in out:
            click.echo(f"conflict: {c['indicator']} · {c['area']} · {c['period']} · {c['unit']}")
            for v in c["values"]:
                click.echo(f"  {v['value']:<10} {v['rank']:<10} observation/{v['observation']:<8} "
                           f"{', '.join(v['sources'])}  “{'” “'.join(v['quotes'])}”")
        click.echo(f"{len(out)} conflict(s)", err=True)
    if out:
        raise errors.ValidationFailed(f"{len(out)} statistic(s) with conflicting values",
                                      source="conflicts")


__all__ = ["source_cmd", "conflicts_cmd"]
