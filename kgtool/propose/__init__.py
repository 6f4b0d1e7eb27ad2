"""`kgtool propose`: a verified first draft of the facts of a new document, offline.

    >>> from kgtool.project import locate
    >>> from kgtool.propose import propose_source
    >>> draft = propose_source(locate(), "songjiang-advanced-manufacturing", published="2025")  # doctest: +SKIP

The pipeline (docs/propose.md): source.py reads and checks the input; text.py builds the clean
view (page breaks joined) and sentences; statistics.py, events.py and mentions.py find
candidates with the rules of rules/; quotes.py verifies each quote with kgtool.provenance;
draft.py assembles proposals; render.py writes Turtle; compare.py diffs and scores a draft.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kgtool.errors import UsageError
from kgtool.project import Project
from kgtool.propose import draft as _draft
from kgtool.propose import rules as _rules
from kgtool.propose.model import Draft, Proposal
from kgtool.propose.source import SourceText, resolve

__all__ = ["Draft", "Inputs", "Proposal", "default_inputs", "propose_source", "propose_text"]

DIVISIONS = Path("data") / "china-admin-divisions"
INDUSTRY = Path("data") / "gbt4754-2017-industry"


@dataclass(frozen=True)
class Inputs:
    """Where the names come from: the curated graph and the two reference folders (any may be None)."""

    graph: Path | None
    divisions: Path | None
    industry: Path | None


def default_inputs(project: Project, *, graph: bool = True, reference: Path | None | bool = True) -> Inputs:
    """The project's built graph and the shared reference folders, those that exist."""
    built = project.built_graph if graph and project.built_graph.is_file() else None
    if reference is False:
        return Inputs(built, None, None)
    explicit = not (reference is True or reference is None)
    base = Path(reference) if explicit else project.shared_dir  # type: ignore[arg-type]  # a path when explicit
    divisions, industry = base / DIVISIONS, base / INDUSTRY
    if explicit and not divisions.is_dir() and not industry.is_dir():
        raise UsageError(f"neither {DIVISIONS} nor {INDUSTRY} is in this folder", source="--reference")
    return Inputs(built, divisions if divisions.is_dir() else None,
                  industry if industry.is_dir() else None)


def propose_text(src: SourceText, inputs: Inputs, *,
                 progress: Callable[[str, int, int], None] | None = None) -> Draft:
    """The draft of an already read source; `progress(stage, done, total)` is told how far it is."""
    rules = _rules.load()
    names = _draft.load_names(inputs.graph, inputs.divisions, inputs.industry, rules)
    ctx = _draft.Context(names=names, published=src.published,
                         published_text=src.published_as_given, source_key=src.key,
                         source_label=src.label, progress=progress)
    return _draft.build(src.text, rules, ctx)


def propose_source(project: Project, source: str, *, published: str | None = None,
                   inputs: Inputs | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> Draft:
    """Read `source` (a registered key or a text file) and draft its facts."""
    src = resolve(project, source, published)
    return propose_text(src, inputs or default_inputs(project), progress=progress)
