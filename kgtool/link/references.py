"""Reading the imported reference graphs (N-Triples in the cache) that the links point to."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from kgtool.errors import InputError
from kgtool.link.matching import SKOS
from kgtool.reference import IMPORTERS

# kind -> file name in the cache's reference/ folder, from the importer registry.
REFERENCE_FILES = {kind: imp.output for kind, imp in IMPORTERS.items()}


def reference_path(cache: Path, name: str) -> Path:
    """The N-Triples file of an imported reference graph (InputError if it was never imported)."""
    from kgtool.reference.common import reference_dir

    path = reference_dir(cache) / REFERENCE_FILES[name]
    if not path.is_file():
        raise InputError(f"reference graph '{name}' not imported; run `kgtool import-reference "
                         f"{name}` (or `kgtool import-reference all`) first", source=str(path))
    return path


def _triples(path: Path) -> Iterator[tuple[str, str, Any]]:
    """The cached file's triples. A corrupt, truncated or emptied cache file is named in an
    InputError (exit 3) with the way to refresh it, never an internal error or silently fewer
    links; a UTF-8 byte-order mark is skipped."""
    import pyoxigraph as ox

    from kgtool.oxreader import syntax_error

    redo = "; re-run `kgtool import-reference` to refresh the cache"
    n = 0
    try:
        with open(path, "rb") as handle:
            if handle.read(3) != b"\xef\xbb\xbf":
                handle.seek(0)
            for t in ox.parse(handle, format=ox.RdfFormat.N_TRIPLES):
                n += 1
                yield t.subject.value, t.predicate.value, t.object
    except SyntaxError as exc:
        err = syntax_error(exc, str(path), path=path)
        raise InputError(f"{err.message} (corrupt reference file{redo})", source=str(path),
                         line=err.line, column=err.column) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}{redo}", source=str(path)) from None
    if n == 0:
        raise InputError(f"the reference file is empty{redo}", source=str(path))


def concept_labels(path: Path, prefix: str) -> dict[str, tuple[str, str | None]]:
    """IRI → (zh label, broader IRI) for subjects under `prefix` (industry and Wikidata graphs)."""
    labels: dict[str, str] = {}
    broader: dict[str, str] = {}
    for s, p, o in _triples(path):
        if not s.startswith(prefix):
            continue
        if p in (SKOS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label") \
                and (getattr(o, "language", None) or "").lower() == "zh-hans":
            labels[s] = o.value
        elif p == SKOS + "broader":
            broader[s] = o.value
    return {s: (lab, broader.get(s)) for s, lab in labels.items()}


def collection_members(path: Path, collection: str) -> list[str]:
    return sorted(o.value for s, p, o in _triples(path)
                  if s == collection and p == SKOS + "member")
