"""Competency questions (shared/competency/questions.yaml, `issue: graph` and `issue: link`) answered through the CLI.

Each question has a named query `kgtool/queries/cqNN.rq`. The test runs it with `kgtool query`
over the built graph and checks the question's `rows` with the rules stated in the yaml header:
every expected row must be matched by ONE result row, each expected value by some column of it;
numbers match by value, dates by value (a month "2025-07" matches a date inside that month, or a
range whose two ends are inside it), any other text by containment. Then the same query runs on a
mutated copy of the graph (e.g. 1718 -> 1719) and must no longer give the expected answer, so no
query can be answering with constants. CQ10/CQ11 (`issue: link`) are answered from the committed
links that the build merges into the graph.
"""
from __future__ import annotations

import json
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgtool.cli import cli
from kgtool.project import locate

ROOT = Path(__file__).resolve().parents[1]
GRAPH = Path(os.environ.get("KGTOOL_TEST_GRAPH", ROOT / "graph" / "songjiang.ttl"))
QUESTIONS = locate(ROOT).shared_dir / "competency" / "questions.yaml"

# What to change in the built graph so each answer must change (old -> new, replaced everywhere:
# literals, IRIs and the copy of the seed alike).
MUTATIONS = {
    "CQ01": ("1718", "1719"),
    "CQ02": ("3726.3", "3726.4"),
    "CQ03": ("智能终端", "智能终X"),
    "CQ04": ("111", "112"),
    "CQ05": ("洞泾镇", "洞泾X"),
    "CQ06": ("2025-07-22", "2025-07-23"),
    "CQ07": ("王华杰", "王华X"),
    "CQ08": ("2025-03-", "2025-02-"),
    "CQ09": ("3726.3", "3726.4"),
    # `issue: link` questions, answered by the committed links the build merges into the graph.
    "CQ10": ("310117106", "310117199"),
    "CQ11": ('skos:notation "40"', 'skos:notation "49"'),
}


def load_questions(path: Path) -> list[dict]:
    """The few fields we need from questions.yaml (no YAML library is a dependency).

    Relies on the file's layout: `- id:` items with `issue:` and `rows:` keys, whose rows are
    JSON-compatible flow sequences, either inline (`rows: [[...]]`) or one per `- [...]` line."""
    out: list[dict] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"- id: (\S+)", line)
        if m:
            out.append({"id": m.group(1)})
        elif out and (m := re.match(r"\s+issue: (\S+)", line)):
            out[-1]["issue"] = m.group(1)
        elif out and (m := re.match(r"\s+rows:\s*(.*)$", line)):
            inline = m.group(1).strip()
            if inline:
                out[-1]["rows"] = json.loads(inline)
            else:
                rows = []
                while i + 1 < len(lines) and re.match(r"\s+- \[", lines[i + 1]):
                    i += 1
                    rows.append(json.loads(lines[i].strip()[2:]))
                out[-1]["rows"] = rows
        i += 1
    assert out and all("rows" in q and "issue" in q for q in out), "unexpected questions.yaml layout"
    return out


# Every question, `issue: graph` and `issue: link` alike: the built graph includes the committed
# links (graph/links.ttl), so the link questions are answered from it too.
GRAPH_QUESTIONS = [q for q in load_questions(QUESTIONS) if q["issue"] in ("graph", "link")] \
    if QUESTIONS.exists() else []

_NUM = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
DATE_TYPES = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("date", "dateTime", "gYearMonth")}


def _value_matches(expected: str, term: dict) -> bool:
    value = term["value"]
    if _DATE.match(expected):
        if term["type"] != "literal" or not (term.get("datatype") in DATE_TYPES or _DATE.match(value)):
            return False
        return value[:len(expected)] == expected
    if _NUM.match(expected):
        if term["type"] != "literal":
            return False
        try:
            return Decimal(value) == Decimal(expected)
        except InvalidOperation:
            return False
    return expected in value


def _row_matches(expected_row: list[str], row: dict) -> bool:
    return all(any(_value_matches(str(e), t) for t in row.values()) for e in expected_row)


def missing_rows(expected: list[list[str]], result_rows: list[dict]) -> list[list[str]]:
    return [e for e in expected if not any(_row_matches(e, r) for r in result_rows)]


def run_named(name: str, data: Path) -> list[dict]:
    r = CliRunner().invoke(cli, ["query", name, "--data", str(data), "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["results"]["bindings"]


needs_graph = pytest.mark.skipif(not GRAPH.exists(), reason="graph/songjiang.ttl not built yet")


def test_matcher_rules():
    lit = lambda v, dt=None: {"type": "literal", "value": v, **({"datatype": dt} if dt else {})}
    d = "http://www.w3.org/2001/XMLSchema#date"
    assert _value_matches("1718", lit("1718.0", "http://www.w3.org/2001/XMLSchema#decimal"))
    assert not _value_matches("1718", lit("1718家"))
    assert _value_matches("2025-07", lit("2025-07-22", d))
    assert not _value_matches("2025-07", lit("2025-06-30", d))
    assert not _value_matches("2025-07-22", {"type": "uri", "value": "urn:2025-07-22"})
    assert _value_matches("链主", lit("链主企业"))
    assert missing_rows([["a", "1"]], [{"x": lit("a")}, {"y": lit("1")}]) == [["a", "1"]]


def test_every_graph_question_has_a_named_query():
    assert GRAPH_QUESTIONS, f"no questions found in {QUESTIONS}"
    for q in GRAPH_QUESTIONS:
        assert (ROOT / "kgtool" / "queries" / f"{q['id'].lower()}.rq").is_file(), q["id"]
        assert q["id"] in MUTATIONS, f"{q['id']} has no mutation test"


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "kgtool" / "queries").glob("cq0*.rq")))
def test_named_queries_read_the_graph(name):
    """No VALUES blocks and no BIND of constants: answers must come from the graph."""
    text = (ROOT / "kgtool" / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"\bVALUES\b", body, re.I)
    for bind in re.findall(r"\bBIND\s*\((.*?)\s+AS\s", body, re.I | re.S):
        assert "?" in bind, f"{name}: BIND of a constant: {bind}"


@needs_graph
@pytest.mark.parametrize("question", GRAPH_QUESTIONS, ids=[q["id"] for q in GRAPH_QUESTIONS])
def test_competency_question_is_answered(question):
    rows = run_named(question["id"].lower(), GRAPH)
    assert rows, f"{question['id']}: no result rows"
    assert missing_rows(question["rows"], rows) == []


@needs_graph
@pytest.mark.parametrize("question", GRAPH_QUESTIONS, ids=[q["id"] for q in GRAPH_QUESTIONS])
def test_answer_changes_when_the_graph_changes(question, tmp_path):
    old, new = MUTATIONS[question["id"]]
    text = GRAPH.read_text(encoding="utf-8")
    assert old in text, f"{question['id']}: {old!r} is not in the graph"
    mutated = tmp_path / "mutated.ttl"
    mutated.write_text(text.replace(old, new), encoding="utf-8")
    before = run_named(question["id"].lower(), GRAPH)
    after = run_named(question["id"].lower(), mutated)
    assert after != before
    assert missing_rows(question["rows"], after) != [], \
        f"{question['id']}: the mutated graph still gives the expected answer"
