"""Importers for the open reference datasets kgtool links to (issue #4).

Each importer reads a dataset exactly as its publisher released it (never a hand-edited copy),
checks it row by row, and streams an N-Triples reference graph into the user's cache
(`--cache DIR`, `$KGTOOL_CACHE`, default `~/.cache/kgtool`) — never into the repository, because
the reference data is large, has its own licences and is not ours to redistribute.

* `divisions`    — NBS 统计用区划代码 (CSV and nested-JSON layouts, province to village level);
* `code_history` — GB/T 2260 county-level code history (retired codes and their successors);
* `industry`     — GB/T 4754-2017 sections and divisions (and optionally the full tree);
* `wikidata`     — the verified rows of the hand-compiled Wikidata QID table.

The IRIs, code forms and provenance rules are documented in docs/linking.md.

Adding a dataset is one module plus one line in `IMPORTERS` below (docs/linking.md, "Adding a
reference dataset"): the module defines `default_inputs(data, options)` (its files under
`$KGTOOL_SHARED/data`) and `import_files(inputs, target, options)` (writes the N-Triples
reference graph atomically, returns the triple count). The registry is plain data, so reading
it imports no importer.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence


@dataclass(frozen=True)
class Importer:
    """One reference dataset: the KIND of `kgtool import-reference KIND`, the module that
    imports it, the file it writes in the cache's reference/ folder, what it is, and the key of
    its dataset IRI (`…/id/dataset/KEY`, described with its files' SHA-256 in that file)."""

    kind: str
    module: str
    output: str
    title: str
    dataset_key: str

    def load(self) -> Any:
        return importlib.import_module(self.module)


IMPORTERS: dict[str, Importer] = {i.kind: i for i in (
    Importer("divisions", "kgtool.reference.divisions", "divisions.nt",
             "NBS statistical division codes", "nbs-division-2023"),
    Importer("history", "kgtool.reference.code_history", "code-history.nt",
             "GB/T 2260 county-level code history", "gbt2260-history"),
    Importer("industry", "kgtool.reference.industry", "industry.nt",
             "GB/T 4754-2017 industrial classification", "gbt4754-2017"),
    Importer("wikidata", "kgtool.reference.wikidata", "wikidata.nt",
             "verified Wikidata QIDs", "wikidata-qids"),
)}


@dataclass
class ImportOptions:
    """What `kgtool import-reference` passes to every importer; each uses what applies to it."""

    overrides: dict[str, str] | None = None
    villages: bool = False
    tree: Path | None = None
    corrections: Path | None = None
    progress: Callable[[int], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def presence_check(kind: str) -> str:
    """A SPARQL ASK that is true when the imported reference graph of `kind` is in the data
    (its dataset's file checksums are written only by the importer, never in graph/)."""
    key = IMPORTERS[kind].dataset_key
    return ("ASK { <https://w3id.org/kgtool/id/dataset/" + key + "> "
            "<http://www.w3.org/ns/dcat#distribution>/<https://w3id.org/kgtool/def/sha256> ?h }")


def import_reference(kind: str, inputs: list[Path], cache: Path,
                     options: ImportOptions | None = None) -> tuple[Path, int]:
    """Import one reference dataset into the cache; (the file written, its triple count)."""
    from kgtool.reference.common import reference_dir  # noqa: PLC0415

    importer = IMPORTERS[kind]
    target = reference_dir(cache) / importer.output
    return target, importer.load().import_files(inputs, target, options or ImportOptions())


def default_inputs(kind: str, data: Path, options: ImportOptions | None = None) -> list[Path]:
    """The files of `kind` as released, under the shared data folder."""
    return list(IMPORTERS[kind].load().default_inputs(data, options or ImportOptions()))


def given_inputs(kind: str, paths: Sequence[str], options: ImportOptions | None = None) -> list[Path]:
    """The files the user named: a folder is a release folder (divisions only: its CSV files,
    villages with `options.villages`); anything else must be an existing file."""
    from kgtool.errors import InputError, UsageError  # noqa: PLC0415

    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if kind != "divisions":
                raise UsageError(f"{raw} is a folder; give the {kind} file itself", source=raw)
            from kgtool.reference import divisions  # noqa: PLC0415

            out.extend(divisions.discover(path, villages=(options or ImportOptions()).villages))
        elif not path.exists():
            raise InputError("no such file", source=raw)
        else:
            out.append(path)
    return out
