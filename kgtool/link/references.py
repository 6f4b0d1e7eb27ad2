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
    import pyoxigraph as ox

    with open(path, "rb") as handle:
        for t in ox.parse(handle, format=ox.RdfFormat.N_TRIPLES):
            yield t.subject.value, t.predicate.value, t.object


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
