"""Is the built graph up to date? A content hash of its sources, compared without parsing it.

Kept apart from `kgtool.build` on purpose: `kgtool query` checks staleness on every run, and this
module imports only the standard library, so the query path never pays for rdflib or pySHACL
unless a rebuild is really needed (see bench/README.md, "Cold start").

Two ways to the current source hash, giving the same answer:

* **the hash** (`source_hash`): read and hash every source file. The file list needs the
  registry's `file = "..."` values; a plain registry is read line by line (`registered_files`),
  anything unusual goes through `kgtool.sources` (tomllib), so the common case imports neither.
* **the stamp** (`graph/.source-stamp`, git-ignored, written by `kgtool build` only): the hash
  together with the (size, mtime, ctime, inode) of every source as they were *before* it was
  read. When every source still has exactly those, the recorded hash is the current one and
  nothing is read. Any difference -- an edit, a new or removed facts file, a fresh clone (git
  does not keep mtimes), a copy, a tool that puts the old mtime back (ctime and inode still
  change) -- falls back to hashing, and so does a file modified within `RACY_NS` before the
  stamp (a second change inside the same file-system clock tick would leave its mtime as it
  was: git's "racy" rule). Read commands never write the stamp.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

try:  # the built-in module: `hashlib` would load OpenSSL (~4 ms on every `kgtool query`)
    from _sha256 import sha256  # type: ignore[import-not-found]  # CPython <= 3.11
except ImportError:  # pragma: no cover - other versions/implementations
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # CPython >= 3.12
    except ImportError:
        from hashlib import sha256

from kgtool.project import Project

HASH_PREFIX = "# kgtool-source-hash: "
STAMP_NAME = ".source-stamp"
STAMP_MAGIC = "kgtool-source-stamp 1"
RACY_NS = 2_000_000_000  # file-system timestamp granularity we do not rely on (FAT: 2 s)

Stat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode; (-1, ...) for a missing file
MISSING: Stat = (-1, 0, 0, 0)


class Snapshot(NamedTuple):
    digest: str
    stats: dict[str, Stat]       # relative path -> stat taken before the file was read
    documents: list[str]         # the registered documents' relative paths
    taken_ns: int                # wall clock before the first stat


# ------------------------------------------------------------------------ the file list

def _bare(name: str) -> bool:
    """A bare TOML key, or dotted bare keys (table names): ASCII letters, digits, _ and -."""
    return all(part and part.isascii() and part.replace("_", "").replace("-", "").isalnum()
               for part in name.split("."))


def registered_files(text: str) -> list[str] | None:
    """The `file` of every `[[source]]` record of a plain registry, in order; None when the
    text is anything but plain (multi-line or single-quoted strings, quoted or dotted keys,
    escapes, inline tables, a record without exactly one file): then tomllib decides.

    Plain is what `kgtool source add` writes and what seeds/sources.toml is; tests check this
    reader against tomllib on every registry the project has."""
    if '"""' in text or "'''" in text:
        return None
    files: list[str] = []
    in_source = False
    seen_file = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            head = line.split("#", 1)[0].strip()
            name = head[2:-2] if head.startswith("[[") and head.endswith("]]") else head[1:-1]
            if (in_source and not seen_file) or not head.endswith("]") or not _bare(name):
                return None
            if name.split(".")[0] == "source" and head != "[[source]]":
                return None  # e.g. [source] or [[source.x]]: not the plain form
            in_source = head == "[[source]]"
            seen_file = False
            continue
        key, eq, value = line.partition("=")
        key = key.strip()
        if not eq or not _bare(key):
            return None  # quoted or dotted key, or a continuation line
        if not in_source:
            if key == "source":
                return None
            continue
        if key != "file":
            continue
        value = value.strip()
        if seen_file or not value.startswith('"'):
            return None
        end = value.find('"', 1)
        name, rest = value[1:end], value[end + 1:].strip()
        if end < 0 or "\\" in name or (rest and not rest.startswith("#")):
            return None
        if not name or "/" in name or name in (".", "..", "sources.toml"):
            return None  # kgtool.sources reports it
        files.append(name)
        seen_file = True
    if in_source and not seen_file:
        return None
    return files or None


def _documents(project: Project) -> list[Path]:
    """The registered source documents; the seed alone when the registry cannot be read
    (the rebuild then reports what is wrong with it)."""
    try:
        text = project.sources_registry.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    names = registered_files(text) if text is not None else None
    if names is not None:
        return [project.data_dir / "seeds" / n for n in names]
    from kgtool import sources  # noqa: PLC0415 - tomllib, only for an unusual registry
    from kgtool.errors import KgtoolError  # noqa: PLC0415

    try:
        return [s.path(project) for s in sources.load(project).sources]
    except KgtoolError:
        return [project.seed]


def _other_sources(project: Project) -> list[Path]:
    return [*project.fact_files, *project.linked_files, project.ontology, *project.shapes_files]


def source_paths(project: Project) -> list[Path]:
    """The files whose content determines the built graph: the source registry and every source
    it names, facts, links, ontology, shapes."""
    return [project.sources_registry, *_documents(project), *_other_sources(project)]


# ------------------------------------------------------------------------ hashing

def _stat(path: Path) -> Stat:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return MISSING
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def snapshot(project: Project) -> Snapshot:
    """Stat, then read and hash, every source (stat first: a file changed while we read it
    then no longer matches its recorded stat)."""
    taken = time.time_ns()
    registry = project.sources_registry
    registry_stat = _stat(registry)  # before the registry is read for the document list
    documents = _documents(project)
    paths = [registry, *documents, *_other_sources(project)]
    entries = []
    stats: dict[str, Stat] = {}
    for path in paths:
        rel = path.relative_to(project.data_dir).as_posix()
        stats[rel] = registry_stat if path == registry else _stat(path)
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
    return Snapshot("sha256:" + digest.hexdigest(), stats,
                    [p.relative_to(project.data_dir).as_posix() for p in documents], taken)


def source_hash(project: Project) -> str:
    """`sha256:` over the sorted (relative path, bytes) of every source; a missing file counts too."""
    return snapshot(project).digest


# ------------------------------------------------------------------------ the stamp

def stamp_path(project: Project) -> Path:
    return project.data_dir / "graph" / STAMP_NAME


def render_stamp(snap: Snapshot) -> bytes:
    lines = [f"{STAMP_MAGIC} {snap.digest} {snap.taken_ns}"]
    for rel, (size, mtime, ctime, ino) in sorted(snap.stats.items()):
        kind = "doc" if rel in snap.documents else "src"
        lines.append(f"{kind} {size} {mtime} {ctime} {ino} {rel}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_stamp(project: Project) -> str:
    """Record the current sources' hash and stats (`kgtool build`, after writing the graph);
    returns the hash. Atomic (temp + rename)."""
    from kgtool import io  # noqa: PLC0415 - atomic_write; only the build writes a stamp

    snap = snapshot(project)
    io.atomic_write(stamp_path(project), render_stamp(snap))
    return snap.digest


def stamped_hash(project: Project) -> str | None:
    """The stamp's hash when every source still has its recorded stat, else None."""
    try:
        text = stamp_path(project).read_bytes().decode("utf-8")
        head, *rows = text.splitlines()
        magic_a, magic_b, digest, taken_s = head.split(" ")
        if f"{magic_a} {magic_b}" != STAMP_MAGIC:
            return None
        taken = int(taken_s)
        recorded: dict[str, Stat] = {}
        documents: list[str] = []
        for row in rows:
            kind, size, mtime, ctime, ino, rel = row.split(" ", 5)
            recorded[rel] = (int(size), int(mtime), int(ctime), int(ino))
            if kind == "doc":
                documents.append(rel)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    registry = project.sources_registry.relative_to(project.data_dir).as_posix()
    if registry not in recorded:
        return None
    # The documents come from the registry: trusted as recorded only if it is unchanged (checked
    # below with every other file); the rest of the list is found afresh (a new facts file).
    rels = {registry, *documents,
            *(p.relative_to(project.data_dir).as_posix() for p in _other_sources(project))}
    if rels != recorded.keys():
        return None
    limit = taken - RACY_NS
    for rel, rec in recorded.items():
        if _stat(project.data_dir / rel) != rec:
            return None
        if rec != MISSING and rec[1] >= limit:
            return None  # modified too close to the stamp: a second change could share its mtime
    return digest


def current_hash(project: Project) -> str:
    """The sources' hash: from the stamp when every stat matches, else by hashing."""
    return stamped_hash(project) or source_hash(project)


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

    Reads one line of the graph, not the whole file, and no source when the stamp still holds.
    """
    recorded = recorded_hash(graph_path or project.built_graph)
    return recorded is None or recorded != current_hash(project)
