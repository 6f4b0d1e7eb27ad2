"""One dataset model on every path (issue 8 point 3): every named query gives the same answer
whether the built dataset is queried in memory, from a persistent store, through `kgtool serve`
(over files or a store) or after `kgtool push` into a real Virtuoso -- with kgtool's own client
and no extra flag.

The dataset is a copy of the project with the second (fixture) source added, so triples that
two named graphs share (the periods both sources mention, the entities both quote) are in play:
a path whose default graph were a bag instead of the set union would repeat rows.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import pyoxigraph as ox

from conftest import ROOT
from conftest_server import ServerProcess
from test_sources import add_bulletin
from test_virtuoso import value, virtuoso  # noqa: F401 - the session fixture (scripts/virtuoso.sh)

from kgtool.build import build
from kgtool.dataset import UNION_GRAPH
from kgtool.project import Project
from kgtool.query import named_queries

QUERIES = [q.name for q in named_queries()]


def kgtool(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    dest = tmp_path_factory.mktemp("paths") / "p"
    dest.mkdir()
    for folder in ("seeds", "ontology", "graph"):
        shutil.copytree(ROOT / folder, dest / folder)
    (dest / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")
    proj = Project(root=dest, data_dir=dest)
    add_bulletin(proj)
    build(proj)
    return proj


@pytest.fixture(scope="module")
def store(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("store") / "kg"
    r = kgtool(["load", "--store", str(directory), str(project.built_dataset)], project.data_dir)
    assert r.returncode == 0, r.stderr
    return directory


@pytest.fixture(scope="module")
def served(project: Project) -> Iterator[str]:
    srv = ServerProcess(["--project", str(project.data_dir), "--no-pages", "--quiet",
                         "--row-cap", "100000"], cwd=project.data_dir)
    try:
        yield srv.url
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def served_store(store: Path, project: Project) -> Iterator[str]:
    srv = ServerProcess(["--store", str(store), "--no-pages", "--quiet", "--row-cap", "100000"],
                        cwd=project.data_dir)
    try:
        yield srv.url
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def pushed(virtuoso: dict[str, str], project: Project) -> Iterator[str]:  # noqa: F811
    base = f"http://127.0.0.1:{virtuoso['VT_HTTP_PORT']}"
    r = kgtool(["push", "--endpoint", base, "--vendor", "virtuoso"], project.data_dir)
    assert r.returncode == 0, r.stderr
    try:
        yield base + "/sparql"
    finally:
        kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--delete"], project.data_dir)


def answer(args: list[str], cwd: Path) -> list[tuple[Any, ...]]:
    """A query's answer as sorted comparable rows (numbers by value, tags case-insensitively).
    The client runs in-process (the CLI exactly as `kgtool query ...`), the servers do not."""
    from click.testing import CliRunner

    from kgtool.cli import cli

    old = Path.cwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(cli, ["query", *args, "--format", "json"], prog_name="kgtool",
                               catch_exceptions=False, env={"KGTOOL_STORE": None})
    finally:
        os.chdir(old)
    assert r.exit_code == 0, (args, r.stderr)
    body = json.loads(r.stdout)
    if "boolean" in body:
        return [("ask", body["boolean"])]
    names = body["head"]["vars"]
    return sorted((tuple(value(_term(b.get(n))) for n in names) for b in body["results"]["bindings"]),
                  key=repr)


def _term(b: dict[str, str] | None) -> Any:
    if b is None:
        return None
    if b["type"] == "uri":
        return ox.NamedNode(b["value"])
    if b["type"] == "bnode":
        return ox.BlankNode()
    if "xml:lang" in b:
        return ox.Literal(b["value"], language=b["xml:lang"])
    return ox.Literal(b["value"], datatype=ox.NamedNode(b.get("datatype",
                      "http://www.w3.org/2001/XMLSchema#string")))


@pytest.fixture(scope="module")
def reference(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    """The in-memory answers (`kgtool query NAME` on the built dataset), computed once."""
    return {q: answer([q], project.data_dir) for q in QUERIES}


def test_the_union_is_a_set_not_a_bag(project: Project) -> None:
    """The fixture is meaningful: some triples really are in two named graphs."""
    st = ox.Store()
    st.load(path=str(project.built_dataset), format=ox.RdfFormat.TRIG)
    seen: dict[Any, int] = {}
    for q in st:
        seen[q.triple] = seen.get(q.triple, 0) + 1
    assert sum(1 for n in seen.values() if n > 1) > 10
    assert not st.contains_named_graph(ox.NamedNode(UNION_GRAPH))   # derived, never stored


def test_named_queries_answer_something(reference: dict[str, list[tuple[Any, ...]]]) -> None:
    empty = [q for q, rows in reference.items() if not rows]
    assert len(empty) <= 1, f"named queries without an answer: {empty}"
    series = [r for r in reference["series"] if r[0][1] == "规上工业总产值"]
    assert [r[2][1] for r in series] == [2023, 2024, 2025]


@pytest.mark.parametrize("path", ["data", "store", "serve", "serve-store", "virtuoso"])
def test_every_named_query_is_the_same_on_every_path(
        path: str, request: pytest.FixtureRequest, project: Project,
        reference: dict[str, list[tuple[Any, ...]]]) -> None:
    if path == "data":
        extra = ["--data", str(project.built_dataset)]
    elif path == "store":
        extra = ["--store", str(request.getfixturevalue("store"))]
    else:
        url = request.getfixturevalue({"serve": "served", "serve-store": "served_store",
                                       "virtuoso": "pushed"}[path])
        extra = ["--endpoint", url]            # kgtool's client, no --graph/--all-graphs
    different = [q for q in QUERIES if answer([q, *extra], project.data_dir) != reference[q]]
    assert not different, f"{path}: answers differ from the in-memory dataset for {different}"


def test_reference_records_are_not_repeated(real_project: Project) -> None:
    """Each reference record (a code, its labels, its parent) is in its reference dataset's graph
    and nowhere else in the built dataset."""
    st = ox.Store()
    st.load(path=str(real_project.built_dataset), format=ox.RdfFormat.TRIG)
    graphs = {g.value for g in st.named_graphs()}
    references = {g for g in graphs if "/graph/reference/" in g}
    assert {g.rsplit("/", 1)[-1] for g in references} >= {"nbs-division-2023", "gbt4754-2017"}
    for ref in references:
        records = {q.triple for q in st.quads_for_pattern(None, None, None, ox.NamedNode(ref))}
        assert records
        for other in graphs - {ref}:
            repeated = [t for t in records if t in {q.triple for q in st.quads_for_pattern(
                t.subject, t.predicate, t.object, ox.NamedNode(other))}]
            assert not repeated, f"{other} repeats records of {ref}: {repeated[:3]}"
