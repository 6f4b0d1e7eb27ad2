"""The staleness check's two paths give the same answer: the stamp (stats only) and the hash.

The stamp may only ever skip work, never hide a change: every kind of change a curator or git
makes must send the check back to hashing, and hashing must find the registry's documents
exactly as tomllib does (or hand the registry to tomllib).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kgtool import sources, staleness
from kgtool.project import Project

FIXTURE = Path(__file__).parent / "fixtures" / "sources"


def _age_sources(project: Project, seconds: float = 60) -> None:
    """Sources last changed a while ago (a fresh copy is 'now', inside the racy window)."""
    past = time.time_ns() - int(seconds * 1e9)
    for path in staleness.source_paths(project):
        if path.exists():
            os.utime(path, ns=(past, past))


@pytest.fixture
def stamped(project_copy: Project) -> Project:
    _age_sources(project_copy)
    digest = staleness.write_stamp(project_copy)
    assert digest == staleness.source_hash(project_copy)
    return project_copy


def _no_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(project: Project) -> str:
        raise AssertionError("hashed although the stamp holds")
    monkeypatch.setattr(staleness, "source_hash", refuse)


# ------------------------------------------------------------------------ the file list

def _tomllib_files(project: Project) -> list[str]:
    return [s.file for s in sources.load(project).sources]


def test_plain_registry_read_without_tomllib_matches_tomllib(project_copy: Project) -> None:
    text = project_copy.sources_registry.read_text(encoding="utf-8")
    assert staleness.registered_files(text) == _tomllib_files(project_copy)
    # a second record, as `kgtool source add` writes it
    meta = sources.metadata_from_file(FIXTURE / "songjiang-bulletin-2025.toml")
    fields = {"file": "songjiang-bulletin-2025.txt", "sha256": "0" * 64,
              **{k: v for k, v in meta.items() if k in sources.FIELDS}}
    src = sources.Source(**fields)
    project_copy.sources_registry.write_text(sources.render_registry(text, src), encoding="utf-8")
    two = staleness.registered_files(project_copy.sources_registry.read_text(encoding="utf-8"))
    assert two == _tomllib_files(project_copy) and len(two) == 2


UNUSUAL = [
    ("single-quoted file", "file = \"{f}\"", "file = '{f}'"),
    ("quoted key", "file = \"{f}\"", "\"file\" = \"{f}\""),
    ("escaped file", "file = \"{f}\"", "file = \"{e}\""),
    ("multi-line string", "\n[[source]]\n", "\n[[source]]\nnote2 = \"\"\"\nfile = \"x.txt\"\n\"\"\"\n"),
    ("dotted table", "\n[[source]]\n", "\n[source.extra]\na = \"b\"\n[[source]]\n"),
    ("header with trailing text", "\n[[source]]\n", "\n[[source]] x\n"),
    ("file twice", "file = \"{f}\"", "file = \"{f}\"\nfile = \"other.txt\""),
]


@pytest.mark.parametrize("what,old,new", UNUSUAL, ids=[u[0] for u in UNUSUAL])
def test_anything_unusual_goes_to_tomllib(project_copy: Project, what: str, old: str,
                                          new: str) -> None:
    registry = project_copy.sources_registry
    name = _tomllib_files(project_copy)[0]
    escaped = name.replace("-", "\\u002d")
    text = registry.read_text(encoding="utf-8")
    old, new = old.format(f=name), new.format(f=name, e=escaped)
    assert old in text
    registry.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert staleness.registered_files(registry.read_text(encoding="utf-8")) is None, what
    try:
        expected = [project_copy.data_dir / "seeds" / f for f in _tomllib_files(project_copy)]
    except sources.InputError:
        expected = [project_copy.seed]   # what an unreadable registry counts as
    assert staleness.source_paths(project_copy)[1:1 + len(expected)] == expected


# ------------------------------------------------------------------------ the stamp

def test_stamp_holds_without_reading_a_source(stamped: Project,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    digest = staleness.source_hash(stamped)
    _no_hashing(monkeypatch)
    assert staleness.stamped_hash(stamped) == digest
    assert staleness.current_hash(stamped) == digest
    assert staleness.is_stale(stamped) == (staleness.recorded_hash(stamped.built_graph) != digest)


def _same_size_edit(path: Path) -> None:
    """Change one byte, keep the size and put the old mtime back (what `touch -r` or a tool that
    preserves times would leave): only ctime and content differ."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-1:] = b" " if data[-1:] == b"\n" else b"\n"
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def _changes(project: Project) -> dict[str, object]:
    facts = project.fact_files[0]
    return {
        "edit": lambda: facts.write_text(facts.read_text(encoding="utf-8") + "\n# edited\n",
                                         encoding="utf-8"),
        "same size, old mtime": lambda: _same_size_edit(facts),
        "new facts file": lambda: (project.facts_dir / "zz-new.ttl").write_text("", encoding="utf-8"),
        "facts file removed": lambda: facts.unlink(),
        "linked file removed": lambda: project.linked_files[0].unlink(),
        "registry edited": lambda: project.sources_registry.write_text(
            project.sources_registry.read_text(encoding="utf-8") + "\n", encoding="utf-8"),
        "document edited": lambda: _same_size_edit(project.seed),
        "ontology replaced by a copy": lambda: os.replace(_copy(project.ontology), project.ontology),
    }


def _copy(path: Path) -> Path:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(path.read_bytes())
    st = path.stat()
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    return tmp


@pytest.mark.parametrize("change", ["edit", "same size, old mtime", "new facts file",
                                    "facts file removed", "linked file removed",
                                    "registry edited", "document edited",
                                    "ontology replaced by a copy"])
def test_any_change_falls_back_to_the_hash(stamped: Project, change: str) -> None:
    before = staleness.source_hash(stamped)
    _changes(stamped)[change]()
    assert staleness.stamped_hash(stamped) is None
    after = staleness.current_hash(stamped)
    assert after == staleness.source_hash(stamped)
    if change != "ontology replaced by a copy":   # same bytes: same hash, by the slow path
        assert after != before
    else:
        assert after == before


def test_a_change_inside_the_racy_window_is_not_trusted(project_copy: Project) -> None:
    _age_sources(project_copy)
    os.utime(project_copy.ontology)      # changed just now: its stat could hide a second change
    staleness.write_stamp(project_copy)
    assert staleness.stamped_hash(project_copy) is None
    assert staleness.current_hash(project_copy) == staleness.source_hash(project_copy)


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "other version"])
def test_no_stamp_or_a_bad_one_means_hashing(stamped: Project, damage: str) -> None:
    path = staleness.stamp_path(stamped)
    text = path.read_text(encoding="utf-8")
    if damage == "missing":                  # a fresh clone: git keeps no stamp and no mtimes
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\xff\x00 not a stamp")
    elif damage == "truncated":
        path.write_text(text.splitlines()[0] + "\nsrc 1 2\n", encoding="utf-8")
    else:
        path.write_text(text.replace(staleness.STAMP_MAGIC, "kgtool-source-stamp 0"),
                        encoding="utf-8")
    assert staleness.stamped_hash(stamped) is None
    assert staleness.current_hash(stamped) == staleness.source_hash(stamped)


def test_stale_graph_is_reported_on_both_paths(stamped: Project) -> None:
    """The stamp says what the sources hash to; the graph's own header still decides."""
    graph = stamped.built_graph
    lines = graph.read_text(encoding="utf-8").split("\n")
    lines[0] = staleness.HASH_PREFIX + "sha256:" + "0" * 64
    graph.write_text("\n".join(lines), encoding="utf-8")
    assert staleness.stamped_hash(stamped) is not None
    assert staleness.is_stale(stamped)
    staleness.stamp_path(stamped).unlink()
    assert staleness.is_stale(stamped)
