"""Hostile query text (#14.1): nesting is bounded before any parser sees it, and a query the
engine would crash on is tried in a contained child process first."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kgtool import query as q
from kgtool import sparql_policy
from kgtool.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
GRAPH = str(ROOT / "graph" / "songjiang.ttl")


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgtool", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("opener,closer", [("(", ")"), ("{", "}"), ("[", "]")])
def test_nesting_past_the_bound_is_refused_with_its_position(opener: str, closer: str) -> None:
    text = "SELECT * WHERE {\n  FILTER(" + opener * 5000 + "1" + closer * 5000 + ") }"
    with pytest.raises(InputError) as err:
        sparql_policy.analyse(text, "q.rq")
    exc = err.value
    assert exc.exit_code == 3 and exc.source == "q.rq" and exc.line == 2
    # the bracket that went one level past the limit (the FILTER's own paren plus the outer brace
    # count too)
    assert exc.column == len("  FILTER(") + sparql_policy.MAX_DEPTH - 1
    assert "nesting deeper than 64" in exc.message


def test_nesting_at_the_bound_is_accepted() -> None:
    depth = sparql_policy.MAX_DEPTH - 2
    text = "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    assert sparql_policy.analyse(text).depth == sparql_policy.MAX_DEPTH


def test_brackets_in_strings_iris_and_comments_do_not_count() -> None:
    text = 'SELECT * WHERE { ?s ?p "' + "(" * 500 + '" # ' + "{" * 500 + "\n}"
    assert sparql_policy.analyse(text).depth == 1


def test_cli_deep_nesting_is_exit_3_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.rq"
    path.write_text("SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }")
    res = run_cli("query", "-f", str(path), "--data", GRAPH)
    assert res.returncode == 3, res.stderr
    assert res.stderr.startswith(f"error: {path}:1:") and "nesting deeper" in res.stderr
    assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1


def test_flat_chain_that_crashes_the_engine_is_contained(tmp_path: Path) -> None:
    """5,000 MINUS in one group: pyoxigraph dies with SIGSEGV on it (measured); kgtool must not."""
    path = tmp_path / "chain.rq"
    path.write_text("SELECT * WHERE { " + " MINUS {}" * 5000 + " }")
    res = run_cli("query", "-f", str(path), "--data", GRAPH)
    assert res.returncode == 3, (res.returncode, res.stderr)
    assert "the query engine crashes on this query" in res.stderr
    assert "Traceback" not in res.stderr


def test_big_but_harmless_query_still_runs() -> None:
    """Outside the safe envelope (many tokens), yet fine: the contained try passes, then it runs."""
    values = " ".join(str(i) for i in range(3000))
    info = q.prepare(q.QueryText(f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}", "<q>"))
    assert not sparql_policy.within_safe_envelope(info) and info.form == "SELECT"
