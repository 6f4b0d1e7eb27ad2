"""Where kgtool finds its files: a checkout of this project, or the data installed with the package.

Inside a checkout (found by walking up from the current directory to a `pyproject.toml` whose
project name is `kgtool`, or given with `--project DIR`) the checkout's own `ontology/`, `seeds/`
and `graph/` are used, so an edit is seen at once. Outside a checkout the copies installed with
the package (`kgtool/_data/`, put there by the wheel build from the same top-level folders) are
used; they are read-only, so commands that write into the project need an explicit output path.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kgtool.errors import UsageError

SEED_NAME = "songjiang-advanced-manufacturing.txt"
BUILT_GRAPH = "songjiang.ttl"          # graph/songjiang.ttl: the built graph (union, Turtle)
BUILT_DATASET = "songjiang.trig"       # graph/songjiang.trig: the built dataset (named graphs)
SHARED_ENV = "KGTOOL_SHARED"           # where ../shared (reference datasets, competency questions) is

_NAME_RE = re.compile(r'^\s*name\s*=\s*"kgtool"\s*$', re.MULTILINE)


@dataclass(frozen=True)
class Project:
    """The files one kgtool run works with."""

    root: Path | None        # the checkout, or None when running from the installed package data
    data_dir: Path           # the folder holding ontology/, seeds/, graph/

    @property
    def in_checkout(self) -> bool:
        return self.root is not None

    @property
    def ontology(self) -> Path:
        return self.data_dir / "ontology" / "kgtool.ttl"

    @property
    def shapes(self) -> Path:
        return self.data_dir / "ontology" / "shapes.ttl"

    @property
    def link_shapes(self) -> Path:
        """Shapes for the committed links (graph/links.ttl), loaded beside ontology/shapes.ttl."""
        return self.data_dir / "ontology" / "shapes-links.ttl"

    @property
    def shapes_files(self) -> list[Path]:
        """Every shapes file validation uses: the core shapes, plus the link shapes when present."""
        return [self.shapes, *([self.link_shapes] if self.link_shapes.is_file() else [])]

    @property
    def linked_files(self) -> list[Path]:
        """Committed files the build merges into the graph as they are: the links to reference
        datasets (written by `kgtool link`) and the DCAT/VoID description of the dataset."""
        names = ("links.ttl", "dataset.ttl")
        return [p for p in (self.data_dir / "graph" / n for n in names) if p.is_file()]

    @property
    def seed(self) -> Path:
        return self.data_dir / "seeds" / SEED_NAME

    @property
    def facts_dir(self) -> Path:
        return self.data_dir / "graph" / "facts"

    @property
    def fact_files(self) -> list[Path]:
        """Every curated facts file: graph/facts/*.ttl (the default source) and
        graph/facts/<source-key>/*.ttl (see kgtool.sources)."""
        return sorted([*self.facts_dir.glob("*.ttl"), *self.facts_dir.glob("*/*.ttl")])

    @property
    def sources_registry(self) -> Path:
        """seeds/sources.toml: the metadata record of every source document."""
        return self.data_dir / "seeds" / "sources.toml"

    @property
    def built_graph(self) -> Path:
        """graph/songjiang.ttl: the union of the built dataset's data graphs, one Turtle graph."""
        return self.data_dir / "graph" / BUILT_GRAPH

    @property
    def built_dataset(self) -> Path:
        """graph/songjiang.trig: the built dataset, one named graph per source, reference
        dataset, links, description and ontology (kgtool.dataset). Every query path loads it."""
        return self.data_dir / "graph" / BUILT_DATASET

    @property
    def exclusions(self) -> Path:
        return self.data_dir / "graph" / "coverage-exclusions.toml"

    @property
    def queries_dir(self) -> Path:
        return Path(__file__).resolve().parent / "queries"

    @property
    def shared_dir(self) -> Path:
        """The shared folder: $KGTOOL_SHARED, else ../shared beside the project root."""
        env = os.environ.get(SHARED_ENV)
        if env:
            return Path(env)
        base = self.root if self.root is not None else Path.cwd()
        return base.parent / "shared"


def _is_kgtool_root(path: Path) -> bool:
    py = path / "pyproject.toml"
    try:
        return py.is_file() and bool(_NAME_RE.search(py.read_text(encoding="utf-8")))
    except OSError:
        return False


def find_root(start: Path | None = None) -> Path | None:
    """Walk up from `start` (default: the current directory) to the kgtool checkout, if any."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _is_kgtool_root(candidate):
            return candidate
    return None


def packaged_data_dir() -> Path:
    """The data installed with the package (ontology, seeds, graph)."""
    return Path(__file__).resolve().parent / "_data"


def locate(project: str | os.PathLike[str] | None = None) -> Project:
    """The project to work on: `project` if given, else the enclosing checkout, else the package data."""
    if project is not None:
        root = Path(project).resolve()
        if not _is_kgtool_root(root):
            raise UsageError(f"{root} is not a kgtool checkout (no pyproject.toml naming kgtool)",
                             source="--project")
        return Project(root=root, data_dir=root)
    found = find_root()
    if found is not None:
        return Project(root=found, data_dir=found)
    return Project(root=None, data_dir=packaged_data_dir())
