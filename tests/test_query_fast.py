"""The query path imports only what it needs: never rdflib or pySHACL for `kgtool query`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = Path(__file__).parent / "fixtures" / "query" / "small.ttl"
PROBE = """
import sys
from kgtool.cli import main
sys.argv = ["kgtool", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("rdflib", "pyshacl", "owlrl"))
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


def modules_loaded(*args: str) -> tuple[str, str]:
    p = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True,
                       text=True)
    heavy = [line for line in p.stderr.splitlines() if line.startswith("HEAVY:")]
    assert heavy, p.stderr
    return heavy[0][len("HEAVY:"):], p.stdout


def test_query_with_data_imports_no_rdflib():
    heavy, out = modules_loaded("query", "cq01", "--data", str(SMALL))
    assert heavy == ""


def test_describe_and_stats_import_no_rdflib():
    assert modules_loaded("stats", "--data", str(SMALL))[0] == ""
    assert modules_loaded("describe", "松江区", "--data", str(SMALL))[0] == ""


@pytest.mark.skipif(not (ROOT / "graph" / "songjiang.ttl").exists(), reason="graph not built")
def test_query_on_the_fresh_built_graph_imports_no_rdflib():
    """The staleness check must stay light (kgtool.build.is_stale): see bench/README.md."""
    heavy, out = modules_loaded("query", "cq01")
    assert heavy == "", f"`kgtool query cq01` imported {heavy}"


def test_the_query_is_lexed_and_parsed_once(cli_run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI checks the query before loading data and Dataset.query checks it again: the
    second check is the first one's answer (QueryText.checked), not another lex and parse."""
    from kgtool import sparql_policy

    calls = []
    real = sparql_policy.analyse
    monkeypatch.setattr(sparql_policy, "analyse", lambda *a, **k: calls.append(a) or real(*a, **k))
    result = cli_run(["query", "cq01", "--data", str(SMALL), "--format", "tsv"])
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1


def test_a_checked_query_is_checked_again_under_other_options() -> None:
    from kgtool import query as q
    from kgtool.errors import InputError, PolicyError

    service = q.QueryText("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "<query>")
    q.prepare(service, allow_service=True)
    with pytest.raises(PolicyError):
        q.prepare(service)
    text = q.QueryText("SELECT * WHERE { ?s ?p ?o }", "<query>")
    q.prepare(text)
    text.text = "SELECT * WHERE { ?s ?p"
    with pytest.raises(InputError):
        q.prepare(text)
