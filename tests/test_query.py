"""`kgtool query`: sources of the query, data, parameters, errors, limits, timeout, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgtool.cli import cli

FIX = Path(__file__).parent / "fixtures" / "query"
SMALL = str(FIX / "small.ttl")
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["query", *args], input=input)


def test_select_tsv_default_when_not_a_terminal():
    r = run('SELECT ?l WHERE { <https://w3id.org/kgtool/id/place/洞泾镇> skos:prefLabel ?l }',
            "--data", SMALL)
    assert r.exit_code == 0, r.output
    assert r.stdout == '?l\n"洞泾镇"@zh-Hans\n'


def test_query_file_and_stdin(tmp_path):
    q = tmp_path / "q.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:District }", encoding="utf-8")
    assert run("-f", str(q), "--data", SMALL).stdout == "?n\n1\n"
    assert run("-", "--data", SMALL, input=q.read_text()).stdout == "?n\n1\n"
    assert run("-f", "-", "--data", SMALL, input=q.read_text()).stdout == "?n\n1\n"


def test_data_from_stdin_needs_format():
    data = (FIX / "small.ttl").read_text(encoding="utf-8")
    r = run("SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:Town }", "--data", "-", input=data)
    assert r.exit_code == 2 and "--data-format" in r.stderr
    r = run("SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:Town }", "--data", "-", "--data-format",
            "turtle", input=data)
    assert r.exit_code == 0 and r.stdout == "?n\n1\n"


def test_named_query_is_never_a_path(tmp_path):
    r = run("cq-does-not-exist", "--data", SMALL)
    assert r.exit_code == 2 and "no named query" in r.stderr
    # a path-like argument is query text, so it is a syntax error, never a file read
    r = run("../../etc/passwd", "--data", SMALL)
    assert r.exit_code == 3 and "error: <query>:1:" in r.stderr


def test_language_tags_keep_their_case_in_every_format():
    q = 'SELECT ?l WHERE { <https://w3id.org/kgtool/id/place/松江区> skos:prefLabel ?l FILTER(lang(?l) != "en") }'
    assert '"zh-Hans"' in run(q, "--data", SMALL, "--format", "json").stdout
    assert '"xml:lang": "zh-Hans"' in run(q, "--data", SMALL, "--format", "jsonl").stdout
    assert 'xml:lang="zh-Hans"' in run(q, "--data", SMALL, "--format", "xml").stdout
    assert "@zh-Hans" in run(q, "--data", SMALL, "--format", "table").stdout
    c = run("CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l }", "--data", SMALL)
    assert '"松江区"@zh-Hans' in c.stdout and "zh-hans" not in c.stdout


def test_construct_formats():
    q = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t FILTER(?t = kg:Town) }"
    t = run(q, "--data", SMALL)
    assert t.exit_code == 0
    assert "@prefix kg: <https://w3id.org/kgtool/def/> ." in t.stdout
    assert "    a kg:Town ." in t.stdout
    nt = run(q, "--data", SMALL, "--format", "nt").stdout
    assert nt == ("<https://w3id.org/kgtool/id/place/洞泾镇> "
                  "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                  "<https://w3id.org/kgtool/def/Town> .\n")
    doc = json.loads(run(q, "--data", SMALL, "--format", "jsonld").stdout)
    assert doc["@graph"][0]["@type"] == ["kg:Town"] and doc["@context"]["kg"]
    bad = run(q, "--data", SMALL, "--format", "csv")
    assert bad.exit_code == 2 and "CONSTRUCT" in bad.stderr


def test_params_bind_safely():
    q = "SELECT * WHERE { ?s skos:prefLabel ?l }"
    r = run(q, "--data", SMALL, "--param", 'l="洞泾镇"@zh-Hans')
    assert r.exit_code == 0 and "<https://w3id.org/kgtool/id/place/洞泾镇>" in r.stdout
    r = run("SELECT * WHERE { ?s sdmx-measure:obsValue ?v }", "--data", SMALL, "--param", "v=1718")
    assert r.stdout.count("\n") == 2
    r = run("SELECT * WHERE { ?s sdmx-measure:obsValue ?v }", "--data", SMALL, "-p", "v=1719")
    assert r.stdout.count("\n") == 1
    r = run("SELECT * WHERE { ?s ?p ?v }", "--data", SMALL, "-p", 'v="2.60"^^xsd:decimal')
    assert "share" in r.stdout
    r = run(q, "--data", SMALL, "-p", "s=<https://w3id.org/kgtool/id/org/东华大学>")
    assert "Donghua University" in r.stdout
    # an injection attempt is one plain string, not query text
    r = run(q, "--data", SMALL, "-p", 'l=x" } ; DROP ALL ; #')
    assert r.exit_code == 0 and r.stdout.count("\n") == 1


@pytest.mark.parametrize("param", ['v="unterminated', "v=<bad iri>", "v=nope:x", "novalue",
                                   "1bad=3", "zzz=1", 'v="a" , "b"', "v=<urn:a> . <urn:b> <urn:c> <urn:d>"])
def test_malformed_params_are_usage_errors(param):
    r = run("SELECT * WHERE { ?s ?p ?v }", "--data", SMALL, "--param", param)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ") and "Traceback" not in r.output


def test_syntax_error_has_location_line_and_caret():
    r = run('SELECT ?s WHERE {\n  ?s skos:prefLabel "松江区"@zh-Hans .\n  ?s ?bad }', "--data", SMALL)
    assert r.exit_code == 3
    lines = r.stderr.splitlines()
    assert lines[0].startswith("error: <query>:3:") and "syntax error" in lines[0]
    assert lines[1] == "    ?s ?bad }"
    assert lines[2].strip() == "^"


def test_syntax_error_names_the_file(tmp_path):
    q = tmp_path / "bad.rq"
    q.write_text("SELECT * WHERE {\n ?s ?p }\n", encoding="utf-8")
    r = run("-f", str(q), "--data", SMALL)
    assert r.exit_code == 3 and r.stderr.startswith(f"error: {q}:2:")
    r = run("-", "--data", SMALL, input="SELECT * WHERE {\n ?s ?p }\n")
    assert r.stderr.startswith("error: <stdin>:2:")


def test_undeclared_prefix_is_named():
    r = run("SELECT * WHERE {\n ?s foo:bar ?o }", "--data", SMALL)
    assert r.exit_code == 3
    assert r.stderr.splitlines()[0] == ("error: <query>:2:5: undeclared prefix 'foo:' in 'foo:bar' "
                                        "(add PREFIX foo: <...>)")


def test_bad_data_file_is_input_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> \"x .\n", encoding="utf-8")
    r = run("SELECT * WHERE { ?s ?p ?o }", "--data", str(bad))
    assert r.exit_code == 3 and r.stderr.startswith(f"error: {bad}:1:")
    r = run("SELECT * WHERE { ?s ?p ?o }", "--data", str(tmp_path / "missing.ttl"))
    assert r.exit_code == 3 and "no such file" in r.stderr
    r = run("SELECT * WHERE { ?s ?p ?o }", "--data", str(tmp_path / "x.unknown"))
    assert r.exit_code == 2


def test_limit_truncates_and_says_so():
    r = run("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "--data", SMALL, "--limit", "3")
    assert r.exit_code == 0 and r.stdout.count("\n") == 4
    assert "truncated to 3 rows" in r.stderr
    r = run("SELECT ?s WHERE { ?s a kg:Town }", "--data", SMALL, "--limit", "3")
    assert r.stderr == ""


def test_ask_exit():
    assert run("ASK { ?s a kg:Town }", "--data", SMALL, "--ask-exit").exit_code == 0
    r = run("ASK { ?s a kg:Nothing }", "--data", SMALL, "--ask-exit")
    assert r.exit_code == 1 and r.stdout == "?_askResult\nfalse\n"
    assert run("ASK { ?s a kg:Nothing }", "--data", SMALL).exit_code == 0
    assert run("SELECT * WHERE { ?s ?p ?o }", "--data", SMALL, "--ask-exit").exit_code == 2


def test_timeout_really_stops_the_query():
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
            "?m ?n1 ?o . ?p ?q ?r }")
    import time
    t0 = time.monotonic()
    r = run(slow, "--data", SMALL, "--timeout", "0.5")
    assert r.exit_code == 5 and "timeout" in r.stderr
    assert time.monotonic() - t0 < 10
    ok = run("SELECT ?s WHERE { ?s a kg:Town }", "--data", SMALL, "--timeout", "30")
    assert ok.exit_code == 0 and "洞泾镇" in ok.stdout
    err = run("SELECT * WHERE { ?s foo:x ?o }", "--data", SMALL, "--timeout", "30")
    assert err.exit_code == 3


def test_closed_stdout_no_traceback():
    """`kgtool query ... | head -1` in a real pipe: no traceback, quiet exit."""
    big = "SELECT ?a ?b WHERE { ?a ?p ?o . ?b ?q ?r }"
    p = subprocess.run(f"{sys.executable} -m kgtool query '{big}' --data {SMALL} | head -1",
                       shell=True, capture_output=True, text=True, cwd=ROOT)
    assert p.stdout.startswith("?a\t?b")
    assert "Traceback" not in p.stderr and "Exception" not in p.stderr, p.stderr


def test_queries_lists_named_queries():
    r = CliRunner().invoke(cli, ["queries"])
    assert r.exit_code == 0 and r.stdout.startswith("?name\t?title")


def test_default_format_on_a_terminal_is_table():
    from kgtool.query import choose_format
    assert choose_format(None, "SELECT", True) == "table"
    assert choose_format(None, "ASK", False) == "tsv"
    assert choose_format(None, "DESCRIBE", True) == "turtle"
    assert choose_format("text", "SELECT", False) == "table"


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout whose built graph is the small fixture; staleness forced by the test."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "songjiang.ttl").write_bytes((FIX / "small.ttl").read_bytes())
    stale: list[str] = []
    import kgtool.staleness
    monkeypatch.setattr(kgtool.staleness, "is_stale", lambda project, graph_path=None: bool(stale))
    return tmp_path, stale


def test_default_data_is_the_built_graph_and_with_graph_adds_it(checkout, tmp_path):
    root, stale = checkout
    q = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a kg:Town }"
    r = run(q, "--project", str(root))
    assert r.exit_code == 0 and r.stdout == "?n\n1\n" and r.stderr == ""
    extra = tmp_path / "extra.ttl"
    extra.write_text("<urn:x> a <https://w3id.org/kgtool/def/Town> .\n", encoding="utf-8")
    assert run(q, "--project", str(root), "--data", str(extra)).stdout == "?n\n1\n"
    assert run(q, "--project", str(root), "--data", str(extra), "--with-graph").stdout == "?n\n2\n"


def test_stale_graph_is_read_as_it_is_with_a_one_line_warning(checkout):
    root, stale = checkout
    stale.append("stale")
    before = (root / "graph" / "songjiang.ttl").read_bytes()
    r = run("SELECT (COUNT(?s) AS ?n) WHERE { ?s a kg:Town }", "--project", str(root))
    assert r.exit_code == 0 and r.stdout == "?n\n1\n"
    assert r.stderr == ("warning: graph/songjiang.ttl is older than its sources; run `kgtool "
                        "build` to rebuild it (reading it as it is)\n") or \
        (r.stderr.count("\n") == 1 and "run `kgtool build`" in r.stderr), r.stderr
    assert (root / "graph" / "songjiang.ttl").read_bytes() == before


def test_syntax_errors_are_reported_before_any_data_is_read(checkout):
    root, stale = checkout
    stale.append("stale")
    r = run("SELECT * WHERE { ?s ?p }", "--project", str(root))
    assert r.exit_code == 3 and "warning" not in r.stderr


def test_language_tags_come_back_as_the_data_wrote_them(tmp_path):
    data = tmp_path / "tags.ttl"
    data.write_text('<urn:a> <urn:p> "x"@zh-HANS , "y"@en-gb-oxendict , "z"@sr-latn .\n',
                    encoding="utf-8")
    r = run("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", "--data", str(data))
    # as written where seen with capitals; BCP 47 case otherwise (all-lowercase spellings)
    assert r.stdout == '?o\n"x"@zh-HANS\n"y"@en-GB-oxendict\n"z"@sr-Latn\n'


def test_unreadable_query_sources_are_input_errors(tmp_path):
    r = CliRunner().invoke(cli, ["query", "-", "--data", SMALL], input=b"\xff\xfe SELECT")
    assert r.exit_code == 3 and r.stderr == "error: <stdin>: not valid UTF-8\n"
    r = run("-f", str(tmp_path), "--data", SMALL)
    assert r.exit_code == 3 and "is a directory" in r.stderr
    r = run("-f", str(tmp_path / "nope.rq"), "--data", SMALL)
    assert r.exit_code == 3 and "no such file" in r.stderr


def test_results_is_an_alias_of_format():
    a = run("SELECT ?s WHERE { ?s a kg:Town }", "--data", SMALL, "--results", "csv")
    b = run("SELECT ?s WHERE { ?s a kg:Town }", "--data", SMALL, "--format", "csv")
    assert a.exit_code == 0 and a.stdout_bytes == b.stdout_bytes
    assert a.stdout_bytes == "s\r\nhttps://w3id.org/kgtool/id/place/洞泾镇\r\n".encode()


def test_mixed_case_language_tag_compared_with_lang_gets_a_note():
    """pyoxigraph lowercases tags: `lang(?l) = "zh-Hans"` is never true there. Say so (stderr),
    and stay quiet for langMatches and for lower-case literals."""
    data = str(FIX / "small.ttl")
    r = run('SELECT ?l WHERE { ?s skos:prefLabel ?l FILTER(lang(?l) = "zh-Hans") }', "--data", data)
    assert r.exit_code == 0
    assert "note: <query>:1:" in r.stderr and "langMatches(lang(?x), \"zh-Hans\")" in r.stderr
    quiet = run('SELECT ?l WHERE { ?s skos:prefLabel ?l FILTER(langMatches(lang(?l), "zh-Hans")) }',
                "--data", data)
    assert quiet.exit_code == 0 and "note:" not in quiet.stderr
    lower = run('SELECT ?l WHERE { ?s skos:prefLabel ?l FILTER(lang(?l) = "zh-hans") }', "--data", data)
    assert lower.exit_code == 0 and "note:" not in lower.stderr
