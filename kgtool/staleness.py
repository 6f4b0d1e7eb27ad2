"""Is the built graph up to date? A content hash of its sources, compared without parsing it.

Kept apart from `kgtool.build` on purpose: `kgtool query` checks staleness on every run, and this
module imports only the standard library, so the query path never pays for rdflib or pySHACL
unless a rebuild is really needed (see bench/README.md).
"""
from __future__ import annotations

from pathlib import Path

try:  # the built-in module: `hashlib` would load OpenSSL (~4 ms on every `kgtool query`)
    from _sha256 import sha256  # CPython <= 3.11
except ImportError:  # pragma: no cover - other versions/implementations
    try:
        from _sha2 import sha256  # CPython >= 3.12
    except ImportError:
        from hashlib import sha256

from kgtool.project import Project

HASH_PREFIX = "# kgtool-source-hash: "


def source_paths(project: Project) -> list[Path]:
    """The files whose content determines the built graph: the source registry and every source
    it names, facts, links, ontology, shapes. A registry that cannot be read counts as itself
    (the rebuild then reports what is wrong with it)."""
    from kgtool import sources  # noqa: PLC0415 - stdlib only (tomllib)
    from kgtool.errors import KgtoolError  # noqa: PLC0415

    try:
        documents = [s.path(project) for s in sources.load(project).sources]
    except KgtoolError:
        documents = [project.seed]
    return [project.sources_registry, *documents, *project.fact_files, *project.linked_files,
            project.ontology, *project.shapes_files]


def source_hash(project: Project) -> str:
    """`sha256:` over the sorted (relative path, bytes) of every source; a missing file counts too."""
    entries = []
    for path in source_paths(project):
        rel = path.relative_to(project.data_dir).as_posix()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        entries.append((rel, data))
    digest = sha256()
    for rel, data in sorted(entries, key=lambda e: e[0]):
        digest.update(rel.encode("utf-8") + b"\0")
        if data is None:
            digest.update(b"missing\0")
        else:
            digest.update(str(len(data)).encode("ascii") + b"\0" + data)
    return "sha256:" + digest.hexdigest()


def recorded_hash(path: Path) -> str | None:
    """The source hash recorded in the first line of a built graph (None if absent or unreadable)."""
    try:
        with path.open("r", encoding="utf-8") as handle:
            first = handle.readline().rstrip("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return first[len(HASH_PREFIX):].strip() if first.startswith(HASH_PREFIX) else None


def is_stale(project: Project, graph_path: Path | None = None) -> bool:
    """True when the built graph is missing or was built from different sources than the current ones.

    Reads one line of the graph, not the whole file.
    """
    recorded = recorded_hash(graph_path or project.built_graph)
    return recorded is None or recorded != source_hash(project)
