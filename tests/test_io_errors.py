"""Turtle errors from the rdflib-graph reader (kgtool.io.parse_rdf) point at the real place.

The original complaint: a Turtle file that ends in the middle of a statement was reported at
`1:1` (rdflib's index -1 for "end of input"), or as "string index out of range" with no position
at all; an unterminated long string was put where rdflib gave up, not where it opens. parse_rdf
now reads through kgtool.oxreader like every loader: each error is one line
`SOURCE:LINE:COL: message`, in words, and the same line the pyoxigraph loaders give.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool import io, oxreader
from kgtool.errors import InputError

from conftest import ROOT

HEAD = "@prefix ex: <http://e.org/> .\nex:a ex:p ex:b .\n"

# (name, text, line, column, words in the message)
CASES = [
    ("ends after the predicate", HEAD + "ex:c ex:p", 3, 10, "ends in the middle of a statement"),
    ("ends after the object, no dot", HEAD + "ex:c ex:p ex:d", 3, 15, "ends in the middle"),
    ("ends after the subject", HEAD + "ex:c", 3, 5, "ends in the middle"),
    ("ends inside a blank node", HEAD + "ex:c ex:p [ ex:q 1", 3, 19, "ends in the middle"),
    ("ends inside a collection", HEAD + "ex:c ex:p ( 1 2", 3, 16, "ends in the middle"),
    ("a prefix without its dot", "@prefix ex: <http://e.org/>", 1, 28, "ends in the middle"),
    ("unterminated long string", HEAD + 'ex:c ex:p """abc\nmore\n', 3, 11,
     "unterminated long string"),
    ("unterminated long string with a quote", HEAD + 'ex:c ex:p """a"b', 3, 11,
     "unterminated long string"),
    ("unterminated IRI", HEAD + "ex:c ex:p <http://x", 3, 11, "unterminated IRI"),
    ("unterminated string", HEAD + 'ex:c ex:p "松江区" , "abc .\n', 3, 19, "unterminated string (it opens"),
    ("quote in a comment, escaped quote, then unterminated", HEAD + '# a "note\nex:c ex:p "x\\"y" .\n'
     'ex:d ex:p """no end', 5, 11, "unterminated long string"),
]


@pytest.mark.parametrize("name, text, line, column, words", CASES, ids=[c[0] for c in CASES])
def test_turtle_error_points_at_the_real_place(tmp_path: Path, name: str, text: str, line: int,
                                               column: int, words: str) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        io.parse_rdf(path, source="bad.ttl")
    err = info.value
    message = str(err)
    assert (err.line, err.column) == (line, column), message
    assert message.startswith(f"bad.ttl:{line}:{column}: cannot parse RDF: ") and words in message
    assert "\n" not in message and "index out of range" not in message and len(message) < 200
    with pytest.raises(InputError) as ox_info:   # the pyoxigraph loaders give the same line
        oxreader.parse(text.encode("utf-8"), ox.RdfFormat.TURTLE, "bad.ttl")
    assert str(ox_info.value) == message


def test_text_input_end_of_file_and_a_good_file_still_parses() -> None:
    with pytest.raises(InputError) as info:
        io.parse_rdf(HEAD + "ex:c ex:p", source="<stdin>")
    assert str(info.value).startswith("<stdin>:3:10: ")
    assert len(io.parse_rdf(HEAD + "ex:c ex:p 'a\"b' .")) == 2


def test_an_error_in_the_middle_keeps_its_place() -> None:
    with pytest.raises(InputError) as info:
        io.parse_rdf(HEAD + "ex:c ex:p ex:d ex:e .\nex:f ex:p ex:g .\n", source="x.ttl")
    assert (info.value.line, info.value.column) == (3, 16), str(info.value)


def test_validate_and_export_readers_give_the_same_line(tmp_path: Path, cli_run) -> None:  # noqa: ANN001 - pytest fixture
    """The SHACL engine's reader (kgtool validate FILE) and export's TriG reader report a file
    that ends mid-statement with the pyoxigraph reader's line: one place, no repeated position."""
    from kgtool import export

    bad = tmp_path / "bad.ttl"
    bad.write_text(HEAD + "ex:c ex:p", encoding="utf-8")
    r = cli_run(["validate", str(bad)], cwd=ROOT)
    assert r.exit_code == 3
    assert r.stderr == f"error: {bad}:3:10: cannot parse RDF: the input ends in the middle of a statement\n"
    trig = tmp_path / "bad.trig"
    trig.write_text(HEAD + "ex:g { ex:c ex:p", encoding="utf-8")
    with pytest.raises(InputError) as info:
        export.dataset_parts(trig)
    assert str(info.value).startswith(f"{trig}:3:") and "Parser error" not in str(info.value)


READERS = {   # every command that reads a data file, and how it is given the file
    "validate": ["validate", "{f}"],
    "validate --engine pyshacl": ["validate", "--engine", "pyshacl", "{f}"],
    "export --data": ["export", "--data", "{f}"],
    "query --data": ["query", "--data", "{f}", "ASK {{}}"],
    "describe --data": ["describe", "--data", "{f}", "<https://e.org/a>"],
    "stats --data": ["stats", "--data", "{f}"],
    "load": ["load", "--store", "{store}", "{f}"],
}


@pytest.mark.parametrize("bad_text", [HEAD + 'ex:c ex:p "松江区" , "abc .\n', HEAD + "ex:c ex:p"],
                         ids=["unterminated string", "ends mid-statement"])
def test_every_reader_reports_a_bad_file_in_the_same_line(bad_text: str, tmp_path: Path,
                                                          cli_run) -> None:  # noqa: ANN001 - pytest fixture
    """Issue 9.4: one reader. The same broken file gives one identical error line, exit 3,
    from each command that reads it (the rdflib paths included)."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(bad_text, encoding="utf-8")
    seen = {}
    for name, args in READERS.items():
        r = cli_run([a.format(f=bad, store=tmp_path / "store") for a in args], cwd=ROOT)
        assert r.exit_code == 3, (name, r.output)
        seen[name] = r.stderr
    lines = set(seen.values())
    assert len(lines) == 1, seen
    (line,) = lines
    assert line.startswith(f"error: {bad}:3:") and line.count("\n") == 1
