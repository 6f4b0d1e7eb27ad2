"""Turtle errors from the rdflib reader (kgtool.io.parse_rdf) point at the real place.

The original complaint: a Turtle file that ends in the middle of a statement was reported at
`1:1` (rdflib's index -1 for "end of input"), or as "string index out of range" with no position
at all; an unterminated long string was put where rdflib gave up, not where it opens. Each error
is one line `SOURCE:LINE:COL: message`, and for a file with no trailing blank the position is the
one the pyoxigraph reader (kgtool.oxreader) gives for the same file.
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
     "unterminated string literal"),
    ("unterminated long string with a quote", HEAD + 'ex:c ex:p """a"b', 3, 11,
     "unterminated string literal"),
    ("unterminated IRI", HEAD + "ex:c ex:p <http://x", 3, 11, "unterminated URI reference"),
    ("quote in a comment, escaped quote, then unterminated", HEAD + '# a "note\nex:c ex:p "x\\"y" .\n'
     'ex:d ex:p """no end', 5, 11, "unterminated string literal"),
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
    assert message.startswith(f"bad.ttl:{line}:{column}: bad Turtle syntax: ") and words in message
    assert "\n" not in message and "index out of range" not in message and len(message) < 200
    if not text[-1].isspace():  # the pyoxigraph reader agrees on the place
        with pytest.raises(InputError) as ox_info:
            oxreader.parse(text.encode("utf-8"), ox.RdfFormat.TURTLE, "bad.ttl")
        assert (ox_info.value.line, ox_info.value.column) == (line, column), str(ox_info.value)


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
    assert r.exit_code == 3 and r.stderr == f"error: {bad}:3:10: cannot parse RDF: Unexpected end\n"
    trig = tmp_path / "bad.trig"
    trig.write_text(HEAD + "ex:g { ex:c ex:p", encoding="utf-8")
    with pytest.raises(InputError) as info:
        export.dataset_parts(trig)
    assert str(info.value).startswith(f"{trig}:3:") and "Parser error" not in str(info.value)
