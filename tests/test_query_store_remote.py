"""`--store` on query/stats/describe/export, `kgtool query --endpoint` (against a local
`kgtool serve`), the hidden `remote-query` alias, the usage errors of the bad combinations,
and unknown function IRIs as one-line input errors (exit 3).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest_server import ROOT, ServerProcess

GRAPH_FILE = ROOT / "graph" / "songjiang.ttl"
FACTS = "https://w3id.org/kgtool/graph/facts"

pytestmark = pytest.mark.skipif(not GRAPH_FILE.is_file(), reason="graph not built")


def kgtool(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI; $KGTOOL_STORE only when the test sets it."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if "KGTOOL_STORE" not in (env or {}):
        full.pop("KGTOOL_STORE", None)
    for k in ("KGTOOL_ENDPOINT_USER", "KGTOOL_ENDPOINT_PASSWORD", "KGTOOL_ENDPOINT_TOKEN"):
        if k not in (env or {}):
            full.pop(k, None)
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def store(tmp_path_factory: Any) -> Path:
    """The built graph loaded into the facts graph (the graph `push` would use), so the
    endpoint's default scope finds it."""
    d = tmp_path_factory.mktemp("qsr") / "kg"
    r = kgtool(["load", "--store", str(d), "--graph", FACTS, str(GRAPH_FILE)])
    assert r.returncode == 0, r.stderr
    return d


@pytest.fixture(scope="module")
def local_cq01() -> str:
    r = kgtool(["query", "cq01", "--format", "tsv", "--data", str(GRAPH_FILE)])
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) > 1
    return r.stdout


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[ServerProcess]:
    # A fresh read-only open per worker; the test's own CLI runs open the store read-only too.
    srv = ServerProcess(["--store", str(store), "--workers", "1", "--quiet"])
    try:
        yield srv
    finally:
        srv.stop()


def _rows(tsv: str) -> list[str]:
    lines = tsv.splitlines()
    return [lines[0], *sorted(lines[1:])]


# ------------------------------------------------------------------------ --store

def test_query_on_a_store_equals_the_file(store: Path, local_cq01: str) -> None:
    r = kgtool(["query", "cq01", "--store", str(store), "--format", "tsv"])
    assert r.returncode == 0, r.stderr
    assert _rows(r.stdout) == _rows(local_cq01)
    # $KGTOOL_STORE is the default, and works with --timeout (the forked worker).
    env = kgtool(["query", "cq01", "--format", "tsv", "--timeout", "30"],
                 env={"KGTOOL_STORE": str(store)})
    assert env.returncode == 0, env.stderr
    assert _rows(env.stdout) == _rows(local_cq01)
    # ...but files named on the command line win over the environment.
    files = kgtool(["query", "cq01", "--format", "tsv", "--data", str(GRAPH_FILE)],
                   env={"KGTOOL_STORE": str(store / "missing")})
    assert files.returncode == 0, files.stderr
    assert _rows(files.stdout) == _rows(local_cq01)


def test_query_on_a_missing_store_is_exit_3(tmp_path: Path) -> None:
    r = kgtool(["query", "cq01", "--store", str(tmp_path / "nothing")])
    assert r.returncode == 3
    assert "no kgtool store here" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_stats_on_a_store(store: Path) -> None:
    a = kgtool(["stats", "--store", str(store), "--format", "tsv"])
    b = kgtool(["stats", "--data", str(GRAPH_FILE), "--format", "tsv"])
    assert a.returncode == 0, a.stderr
    assert a.stdout.splitlines()[:2] == b.stdout.splitlines()[:2]  # header + triple count
    assert len(a.stdout.splitlines()) == len(b.stdout.splitlines())


def test_describe_on_a_store(store: Path) -> None:
    a = kgtool(["describe", "place/松江区", "--store", str(store), "--format", "json"])
    b = kgtool(["describe", "place/松江区", "--data", str(GRAPH_FILE), "--format", "json"])
    assert a.returncode == 0, a.stderr
    import json

    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert ja["iri"] == jb["iri"] and sorted(ja["types"]) == sorted(jb["types"])
    assert ja["properties"].keys() == jb["properties"].keys()
    assert len(ja["sources"]) == len(jb["sources"])


def test_export_from_a_store(store: Path) -> None:
    a = kgtool(["export", "--store", str(store), "--format", "nt"])
    b = kgtool(["export", "--data", str(GRAPH_FILE), "--format", "nt"])
    assert a.returncode == 0, a.stderr
    assert len(a.stdout.splitlines()) == len(b.stdout.splitlines())
    trig = kgtool(["export", "--store", str(store), "--format", "trig"])
    assert trig.returncode == 0, trig.stderr
    assert f"<{FACTS}> {{" in trig.stdout


@pytest.mark.parametrize("args", [
    ["query", "cq01", "--store", "S", "--data", str(GRAPH_FILE)],
    ["query", "cq01", "--store", "S", "--with-graph"],
    ["stats", "--store", "S", "--data", str(GRAPH_FILE)],
    ["describe", "place/松江区", "--store", "S", "--data", str(GRAPH_FILE)],
    ["export", "--store", "S", "--data", str(GRAPH_FILE)],
    ["query", "cq01", "--endpoint", "http://127.0.0.1:1/sparql", "--data", str(GRAPH_FILE)],
    ["query", "cq01", "--endpoint", "http://127.0.0.1:1/sparql", "--store", "S"],
    ["query", "cq01", "--endpoint", "http://127.0.0.1:1/sparql", "--graph", FACTS,
     "--all-graphs"],
    ["query", "cq01", "--graph", FACTS],
    ["query", "cq01", "--all-graphs"],
    ["query", "cq01", "--endpoint", "ftp://example.org/sparql"],
], ids=lambda a: " ".join(x for x in a if x.startswith("--")))
def test_bad_combinations_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    args = [str(tmp_path / "kg") if a == "S" else a for a in args]
    r = kgtool(args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------------ --endpoint

def test_endpoint_gives_the_local_rows(server: ServerProcess, local_cq01: str) -> None:
    r = kgtool(["query", "cq01", "--endpoint", server.url, "--format", "tsv"])
    assert r.returncode == 0, r.stderr
    assert _rows(r.stdout) == _rows(local_cq01)
    # Explicit scope, and no scope at all (the served store's default graph is the union).
    for extra in (["--graph", FACTS], ["--all-graphs"]):
        s = kgtool(["query", "cq01", "--endpoint", server.url, "--format", "tsv", *extra])
        assert s.returncode == 0, s.stderr
        assert _rows(s.stdout) == _rows(local_cq01)
    # Another graph: scoped away from the data, so no rows.
    other = kgtool(["query", "cq01", "--endpoint", server.url, "--format", "tsv",
                    "--graph", "http://example.org/none"])
    assert other.returncode == 0, other.stderr
    assert len(other.stdout.splitlines()) == 1


def test_endpoint_ask_exit_limit_and_refusals(server: ServerProcess) -> None:
    yes = kgtool(["query", "ASK { ?s a kg:District }", "--endpoint", server.url, "--ask-exit"])
    assert yes.returncode == 0, yes.stderr
    no = kgtool(["query", "ASK { ?s a kg:NoSuchClass }", "--endpoint", server.url, "--ask-exit"])
    assert no.returncode == 1, no.stderr
    cut = kgtool(["query", "SELECT ?s WHERE { ?s ?p ?o }", "--endpoint", server.url,
                  "--limit", "3", "--format", "tsv"])
    assert cut.returncode == 0 and len(cut.stdout.splitlines()) == 4
    assert "truncated to 3 rows" in cut.stderr
    refused = kgtool(["query", "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
                      "--endpoint", server.url])
    assert refused.returncode == 4, refused.stderr
    bad = kgtool(["query", "SELECT ?s WHERE { ?s ", "--endpoint", server.url])
    assert bad.returncode == 3, bad.stderr


def test_endpoint_network_failure_is_exit_6() -> None:
    r = kgtool(["query", "cq01", "--endpoint", "http://127.0.0.1:1/sparql", "--timeout", "5"])
    assert r.returncode == 6, r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1


def test_remote_query_is_a_hidden_alias(server: ServerProcess, local_cq01: str) -> None:
    r = kgtool(["remote-query", "--endpoint", server.url, "cq01", "--format", "tsv"])
    assert r.returncode == 0, r.stderr
    assert _rows(r.stdout) == _rows(local_cq01)
    top = kgtool(["--help"])
    assert "remote-query" not in top.stdout


def test_verbose_logs_the_exchange_with_credentials_redacted(server: ServerProcess) -> None:
    env = {"KGTOOL_ENDPOINT_TOKEN": "s3cret-token"}
    for cmd in (["query", "cq01"], ["remote-query", "cq01"]):
        r = kgtool([*cmd, "--endpoint", server.url, "--format", "tsv", "-v"], env=env)
        assert r.returncode == 0, r.stderr
        assert "> GET " in r.stderr or "> POST " in r.stderr
        assert "Authorization: [redacted]" in r.stderr and "s3cret-token" not in r.stderr


# ------------------------------------------------------------------------ engine errors

def test_unknown_function_is_a_one_line_input_error() -> None:
    r = kgtool(["query", "SELECT ?o WHERE { ?s ?p ?o } ORDER BY <http://ex/fn>(?o)",
                "--data", str(GRAPH_FILE)])
    assert r.returncode == 3, r.stderr
    assert r.stderr.strip().splitlines() == [
        "error: <query>: unknown function <http://ex/fn>: the local engine knows the SPARQL 1.1 "
        "built-ins and XSD casts only"]


def test_unknown_function_in_the_library() -> None:
    from kgtool import query as q
    from kgtool.errors import InputError

    text = q.QueryText("SELECT ?o WHERE { ?s ?p ?o FILTER(<http://ex/fn>(?o)) }", "t.rq")
    with pytest.raises(InputError, match=r"^t\.rq: unknown function <http://ex/fn>"):
        q.prepare(text)
    # Still a RuntimeError, so a remote store may judge a vendor function (remote.run_remote).
    with pytest.raises(RuntimeError):
        q.prepare(text)
