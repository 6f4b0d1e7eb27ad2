"""Finding the project: walk up to the checkout, --project, or the installed package data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kgtool import build as build_mod
from kgtool import project as project_mod
from kgtool.errors import UsageError

from conftest import ROOT


def test_walks_up_from_a_subdirectory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "tests")
    proj = project_mod.locate()
    assert proj.root == ROOT and proj.in_checkout
    assert proj.seed == ROOT / "seeds" / "songjiang-advanced-manufacturing.txt"
    assert proj.built_graph == ROOT / "graph" / "songjiang.ttl"


def test_explicit_project_must_be_a_kgtool_checkout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="not a kgtool checkout"):
        project_mod.locate(tmp_path)


def test_outside_a_checkout_uses_package_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    proj = project_mod.locate()
    assert not proj.in_checkout
    assert proj.data_dir == project_mod.packaged_data_dir()
    with pytest.raises(UsageError, match="-o/--output"):
        build_mod.default_output(proj)


def test_shared_dir_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    proj = project_mod.locate(ROOT)
    monkeypatch.delenv("KGTOOL_SHARED", raising=False)
    assert proj.shared_dir == ROOT.parent / "shared"
    monkeypatch.setenv("KGTOOL_SHARED", str(tmp_path))
    assert proj.shared_dir == tmp_path


def test_committed_graph_is_not_stale(real_project: project_mod.Project) -> None:
    """Fails whenever seeds/, graph/facts/ or ontology/ changed since graph/songjiang.ttl was built."""
    recorded = build_mod.recorded_hash(real_project.built_graph)
    current = build_mod.source_hash(real_project)
    assert not build_mod.is_stale(real_project), (
        f"graph/songjiang.ttl is stale (recorded {recorded}, sources now {current}): "
        "run `kgtool build` and commit the result")
