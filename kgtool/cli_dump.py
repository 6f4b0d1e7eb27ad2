"""`kgtool dump DIR`: gzipped N-Quads parts, a manifest and load recipes for big stores.

A thin click layer over kgtool.api.dump (kgtool.dump's docstring says the layout and why).
"""
from __future__ import annotations

import click

from kgtool.cli import allow_remote_context_option, handle_errors, project_option


@click.command("dump")
@click.argument("directory", metavar="DIR")
@click.option("--store", "store_opt", default=None, metavar="DIR",
              help="Dump this persistent store (its own named graphs; default: $KGTOOL_STORE "
                   "when no --data is given). Without a store: the built graph, ontology and "
                   "shapes, one named graph per source as `export --format nq` has them.")
@click.option("--data", multiple=True, metavar="FILE",
              help="Dump these RDF files as the data instead of the built graph (repeatable).")
@click.option("--part-size", default=1_000_000, show_default=True, type=click.IntRange(1),
              metavar="TRIPLES", help="At most this many triples per .nq.gz file.")
@click.option("--graph", default=None, metavar="IRI",
              help="Named graph for the triples of a store's default graph.")
@click.option("--check", "check_only", is_flag=True,
              help="Only verify an existing dump in DIR against its manifest.")
@allow_remote_context_option
@project_option
@handle_errors
def dump_cmd(directory: str, store_opt: str | None, data: tuple[str, ...], part_size: int,
             graph: str | None, check_only: bool, allow_remote_context: bool,
             project: str | None) -> None:
    """Write the dataset into DIR for a big store's bulk loader.

    Gzipped N-Quads (at most --part-size triples per file, each triple in the named graph of
    its source, blank nodes replaced by stable IRIs), manifest.json (per file: graph, triples,
    bytes, SHA-256), virtuoso-load.sql (ld_dir + rdf_loader_run, for isql-vt) and a Qleverfile.
    The same data gives the same bytes. DIR must not hold a dump already.

    \b
    Examples:
      kgtool dump /tmp/kg-dump
      kgtool dump /tmp/kg-dump-store --store /data/kg --part-size 2000
      kgtool dump /tmp/kg-dump --check
    """
    from kgtool import api

    if check_only:
        checked = api.verify_dump(directory)
        click.echo(f"{directory}: {len(checked['files'])} files, {checked['triples']} triples "
                   "match the manifest")
        return
    manifest = api.dump(directory, store=store_opt, data=data, part_size=part_size,
                        default_graph=graph, project=project,
                        allow_remote_context=allow_remote_context)
    for g, info in manifest["graphs"].items():
        click.echo(f"<{g}>: {info['triples']} triples in {len(info['files'])} file(s)")
    click.echo(f"wrote {directory}: {manifest['triples']} triples, {len(manifest['files'])} "
               "files, manifest.json, virtuoso-load.sql, Qleverfile", err=True)
