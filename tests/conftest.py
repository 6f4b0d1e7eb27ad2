"""Shared fixtures: the real checkout, throw-away project copies, and a CLI runner.

Tests that mutate anything work on a copy in a temp directory; the real files are only read.
`mini_project` is a small stand-in project (tests/fixtures/mini) with the real seed, used to test
the build machinery independently of the curated facts and the real ontology.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kgtool.project import Project

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_SHA256 = "2ec61dca70199f1e4bff9df91723aa3f12b5be9f0b420247a939ea87a8cdde70"


def _write_pyproject(root: Path) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")


@pytest.fixture(scope="session")
def real_project() -> Project:
    """The checkout these tests live in."""
    return Project(root=ROOT, data_dir=ROOT)


def make_mini_project(dest: Path) -> Project:
    """Copy the mini fixture project plus the real seed into `dest`."""
    shutil.copytree(FIXTURES / "mini", dest, dirs_exist_ok=True)
    (dest / "seeds").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "seeds" / "songjiang-advanced-manufacturing.txt", dest / "seeds")
    shutil.copy2(ROOT / "seeds" / "sources.toml", dest / "seeds")   # the source registry
    _write_pyproject(dest)
    return Project(root=dest, data_dir=dest)


@pytest.fixture
def mini_project(tmp_path: Path) -> Project:
    return make_mini_project(tmp_path / "mini")


@pytest.fixture
def project_copy(tmp_path: Path) -> Project:
    """A copy of the real project's data (seeds, ontology, graph) to mutate."""
    dest = tmp_path / "copy"
    dest.mkdir()
    for folder in ("seeds", "ontology", "graph"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, dest / folder)
    _write_pyproject(dest)
    return Project(root=dest, data_dir=dest)


@pytest.fixture
def cli_run():
    """Run `kgtool ARGS` in-process in directory `cwd`; returns click's Result."""
    from kgtool.cli import cli

    def run(args: list[str], cwd: Path | None = None) -> Result:
        old = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            return CliRunner().invoke(cli, args, prog_name="kgtool", catch_exceptions=False)
        finally:
            os.chdir(old)

    return run


def run_kgtool(args: list[str], cwd: Path, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m kgtool ARGS` in a subprocess (for hash seeds and real exit behaviour)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("KGTOOL_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def run_installer(*args: str) -> str:
    """Run an idempotent installer script of scripts/ (exit 77: cannot be set up here) and return
    its stdout. Skips on 77, except under CI=true, where a missing tool must fail the test."""
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run(["bash", str(root / "scripts" / args[0]), *args[1:]], capture_output=True,
                       text=True, timeout=900)
    if r.returncode == 77 and os.environ.get("CI", "").lower() != "true":
        pytest.skip(f"scripts/{args[0]} cannot set up its tool here: {r.stderr.strip()[-300:]}")
    assert r.returncode == 0, f"scripts/{args[0]} failed ({r.returncode}): {r.stderr[-2000:]}"
    return r.stdout


@pytest.fixture(scope="session")
def peers_venv() -> Path:
    """The venv of the peer tools that check our outputs (sssom-py, owlready2 + HermiT), made by
    scripts/peers.sh outside the product's dependencies."""
    return Path(run_installer("peers.sh").strip().splitlines()[-1])


@pytest.fixture(scope="session")
def jena_sh() -> Path:
    """scripts/jena.sh with Apache Jena installed (Debian's libapache-jena-java)."""
    run_installer("jena.sh", "install")
    return Path(__file__).resolve().parent.parent / "scripts" / "jena.sh"
