"""The pyoxigraph side of the one RDF reader (kgtool.oxreader), as every loader sees it.

`query --data`, `load` (the persistent store) and the remote client's answers go through the same
functions: the same format names, the same refusal of RDF/XML DOCTYPEs, and syntax errors as one
line at the start of the offending token (not pyoxigraph's "between ... and line N column 1").
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_kgtool

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
                  b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                  b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                  b'xmlns:ex="http://e/"><rdf:Description rdf:about="http://e/s">'
                  b'<ex:p>&b;</ex:p></rdf:Description></rdf:RDF>\n')

BROKEN = {  # file text -> the position the error must name
    '@prefix ex: <http://e/> .\n# it\'s a "quoted" comment\nex:a ex:b """abc\n\n': "3:11",
    "@prefix ex: <http://e/> .\nex:a ex:b ex:c": "2:15",
    '<http://a> <http://b> "x': "1:23",
}


@pytest.mark.parametrize("text, where", BROKEN.items(), ids=["open-long-string", "no-dot", "open-string"])
def test_syntax_errors_point_at_the_real_place(tmp_path: Path, text: str, where: str) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(text, encoding="utf-8")
    for args in (["query", "ASK {}", "--data", str(bad)], ["load", "--store", str(tmp_path / "st"), str(bad)]):
        r = run_kgtool(args, cwd=ROOT)
        assert r.returncode == 3, r.stderr
        assert r.stderr.startswith(f"error: {bad}:{where}: cannot parse RDF: "), r.stderr
        assert r.stderr.count("\n") == 1 and "between" not in r.stderr


def test_rdfxml_doctype_is_refused_by_every_loader(tmp_path: Path) -> None:
    bad = tmp_path / "laughs.rdf"
    bad.write_bytes(BILLION_LAUGHS)
    for args in (["query", "ASK {}", "--data", str(bad)], ["load", "--store", str(tmp_path / "st"), str(bad)]):
        r = run_kgtool(args, cwd=ROOT, timeout=60)
        assert r.returncode == 4 and "DOCTYPE" in r.stderr, (args, r.stderr)


def test_remote_answers_go_through_the_reader() -> None:
    from kgtool import remote
    from kgtool.errors import RemoteError

    class Headers(dict):
        def get(self, key, default=None):  # noqa: ANN001, ANN202 - a stand-in for email.Message
            return super().get(key.lower(), default)

    resp = remote.Response(200, Headers({"content-type": "application/rdf+xml"}), BILLION_LAUGHS)
    with pytest.raises(RemoteError, match="DOCTYPE"):
        remote.parse_response(resp, "CONSTRUCT")
    ok = remote.Response(200, Headers({"content-type": "text/turtle"}), b"<http://a> <http://b> <http://c> .\n")
    assert len(remote.parse_response(ok, "CONSTRUCT")) == 1


def test_format_names_are_the_tables(tmp_path: Path) -> None:
    from kgtool import formats, oxreader
    from kgtool.errors import UsageError

    for fmt in formats.formats(formats.RDF):
        for name in fmt.names:
            assert oxreader.rdf_format("x", name) == fmt.rdf_format()
        assert oxreader.rdf_format(f"file.{fmt.extension}") == fmt.rdf_format()
    with pytest.raises(UsageError):
        oxreader.rdf_format("file.unknown")
    data = tmp_path / "d.nt"
    data.write_text("<http://a> <http://b> <http://c> .\n", encoding="utf-8")
    for name in ("nt", "ntriples", "n-triples"):
        r = run_kgtool(["query", "ASK { ?s ?p ?o }", "--data", str(data), "--data-format", name], cwd=ROOT)
        assert r.returncode == 0 and r.stdout.strip().endswith("true"), r.stderr
