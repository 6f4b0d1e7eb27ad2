"""`kgtool publish DIR`: the web pages of `kgtool serve` as a static site (kgtool.web.publish)."""
from __future__ import annotations

from pathlib import Path

import click

from kgtool import project as project_mod
from kgtool.cli import allow_remote_context_option, handle_errors, project_option


@click.command("publish")
@click.argument("directory", type=click.Path(file_okay=False), metavar="DIR")
@click.option("--data", multiple=True, metavar="FILE",
              help="Publish these RDF files (repeatable) instead of the built graph.")
@click.option("--base", default="https://w3id.org/kgtool/", show_default=True, metavar="IRI",
              help="IRIs under this prefix become the site's files: <BASE id/place/松江区> is "
                   "id/place/松江区.html (and .ttl, .jsonld, .nt).")
@click.option("--row-cap", default=10000, show_default=True, type=click.IntRange(1), metavar="N",
              help="At most N rows per named-query answer, as in `kgtool serve`.")
@allow_remote_context_option
@project_option
@handle_errors
def publish_cmd(directory: str, data: tuple[str, ...], base: str, row_cap: int,
                allow_remote_context: bool, project: str | None) -> None:
    """Write the site as static files: pages, per-thing RDF, dumps, DCAT record, redirects.

    Every thing under --base gets DIR/{path}.html/.ttl/.jsonld/.nt; DIR also holds the class and
    label indexes, the ontology diagram, the named queries with their answers, dumps/,
    and htaccess.example / nginx.conf.example for the 303 redirect from a thing to its
    document. The output is deterministic; DIR is replaced atomically, and only if it is an
    earlier site or empty.

    \b
    Examples:
      kgtool publish /tmp/kgtool-site
      python3 -m http.server -d /tmp/kgtool-site 8000
    """
    from kgtool import api

    summary = api.publish(directory, data=data, base=base, row_cap=row_cap,
                          project=project_mod.locate(project),
                          on_stale=lambda m: click.echo(m, err=True),
                          allow_remote_context=allow_remote_context)
    click.echo(f"published {summary.things} things in {summary.files} files "
               f"({summary.bytes / 1e6:.1f} MB) to {Path(summary.directory)}", err=True)
