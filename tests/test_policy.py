"""The safety policy: read-only, no SERVICE / FROM unless allowed, checked on tokens not text.

Hazards from research/anchors.md (d): FROM reading a local file, SERVICE reaching a loopback port
(a stub server started here must record zero requests), and encodings that fool a regex."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgtool import sparql_policy
from kgtool.cli import cli
from kgtool.errors import PolicyError

SMALL = str(Path(__file__).parent / "fixtures" / "query" / "small.ttl")
EMPTY_RESULT = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'


@pytest.fixture
def stub():
    """A loopback HTTP server that records every request and answers an empty SPARQL result."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(self.command + " " + self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(EMPTY_RESULT)))
            self.end_headers()
            self.wfile.write(EMPTY_RESULT)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


def run(*args: str):
    return CliRunner().invoke(cli, ["query", *args])


SERVICE_VARIANTS = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE SILENT <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE# a comment\n<{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE<{url}>{ ?s ?p ?o } }",
    "PREFIX ep: <{url}>\nSELECT * WHERE { SERVICE ep:sparql { ?s ?p ?o } }",
    "BASE <{url}>\nSELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    # pyoxigraph's PEG parser reads keywords without a word boundary:
    "SELECT * WHERE { SERVICESILENT<{url}> { ?s ?p ?o } }",
    "PREFIX : <{url}>\nSELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . { SERVICE <{url}> { ?s ?p ?o } } UNION { ?s ?p ?o } }",
]


@pytest.mark.parametrize("template", SERVICE_VARIANTS)
def test_service_is_refused_and_never_contacts_the_server(stub, template):
    url, hits = stub
    r = run(template.replace("{url}", url), "--data", SMALL)
    assert r.exit_code == 4, r.output
    assert "SERVICE refused" in r.stderr
    assert hits == []


def test_the_stub_would_see_an_allowed_service(stub):
    """Control: the same query with --allow-service does reach the stub, so the test above can fail."""
    url, hits = stub
    r = run(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "--data", SMALL,
            "--allow-service")
    assert r.exit_code == 0, r.output
    assert len(hits) >= 1


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.ttl"
    path.write_text('<urn:secret> <urn:is> "TOP-SECRET-VALUE" .\n', encoding="utf-8")
    return path


FROM_VARIANTS = [
    ("SELECT ?o FROM <{file}> WHERE {{ ?s ?p ?o }}", "FROM"),
    ("select ?o from <{file}> where {{ ?s ?p ?o }}", "FROM"),
    ("SELECT ?o FROM NAMED <{file}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "FROM NAMED"),
    ("SELECT ?o # c\nFROM# c\n<{file}> WHERE {{ ?s ?p ?o }}", "FROM"),
    ("PREFIX f: <file:///>\nSELECT ?o FROM f:{rel} WHERE {{ ?s ?p ?o }}", "FROM"),
    ("BASE <file:///>\nSELECT ?o FROM <{rel}> WHERE {{ ?s ?p ?o }}", "FROM"),
    ("PREFIX age: <file:///>\nSELECT ?o FROMage:{rel} WHERE {{ ?s ?p ?o }}", "FROM"),
    ("SELECT ?o FROMNAMED<{file}> WHERE {{ ?s ?p ?o }}", "FROM NAMED"),
]


@pytest.mark.parametrize("template,clause", FROM_VARIANTS)
def test_from_a_local_file_is_refused(secret, template, clause):
    q = template.format(file=secret.as_uri(), rel=str(secret).lstrip("/"))
    r = run(q, "--data", SMALL)
    assert r.exit_code == 4, r.output
    assert f"{clause} refused" in r.stderr
    assert "TOP-SECRET" not in r.output


def test_allowed_from_only_selects_loaded_graphs(secret):
    """Defence in depth: even allowed, FROM never reads the file (pyoxigraph selects store graphs)."""
    r = run(f"SELECT ?o FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}", "--data", SMALL,
            "--allow-from")
    assert r.exit_code == 0 and "TOP-SECRET" not in r.output


@pytest.mark.parametrize("q", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "delete where { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "CLEAR ALL",
    "DROP GRAPH <urn:g>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "PREFIX ex: <urn:x:>\n# comment\ninsert { ex:a ex:b ex:c } WHERE {}",
])
def test_updates_are_refused(q):
    r = run(q, "--data", SMALL)
    assert r.exit_code == 4 and "refused" in r.stderr and "read-only" in r.stderr


@pytest.mark.parametrize("q", [
    'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:1/> FROM <file:///etc/passwd>" }',
    "SELECT ?s WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:1/> INSERT FROM",
    "SELECT ?service ?from WHERE { ?service ?p ?from }",
    "SELECT ?s WHERE { ?s <http://example.org/SERVICE/FROM> ?o }",
    "PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:service ?o . ?s ex:from ?o }",
    "SELECT ?s WHERE { ?s ?p '''multi\nline SERVICE\n''' }",
    'SELECT ?s WHERE { ?s ?p "esc\\" SERVICE <x> { }" }',
])
def test_harmless_mentions_are_allowed(q):
    r = run(q, "--data", SMALL)
    assert r.exit_code == 0, r.output


def test_check_reports_position():
    info = sparql_policy.analyse("SELECT *\nWHERE { service <http://x/> {} }")
    with pytest.raises(PolicyError) as exc:
        sparql_policy.check(info)
    assert (exc.value.line, exc.value.column) == (2, 9)


def test_analyse_collects_form_prefixes_variables():
    info = sparql_policy.analyse("PREFIX ex: <urn:x:>\n# SELECT\nconstruct { ?a ex:p $b } WHERE {}")
    assert info.form == "CONSTRUCT" and info.prefixes == {"ex": "urn:x:"}
    assert info.variables == {"a", "b"}


def test_jsonld_remote_context_is_never_fetched(stub, tmp_path):
    url, hits = stub
    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "%sctx", "@id": "urn:x", "name": "n"}' % url, encoding="utf-8")
    r = run("SELECT * WHERE { ?s ?p ?o }", "--data", str(doc))
    assert r.exit_code == 4 and hits == []  # refused by policy, as in every reader (#14.2)


@pytest.mark.parametrize("dtd", [
    '<!ENTITY sec SYSTEM "file:///etc/hostname">',
    '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10)),
])
def test_rdfxml_doctype_is_refused_before_parsing(tmp_path, dtd):
    """External entities and a billion-laughs DTD: refused without parsing (pyoxigraph would
    expand internal entities for ever)."""
    doc = tmp_path / "evil.rdf"
    doc.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ {dtd} ]>\n'
                   '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                   'xmlns:ex="http://ex/"><rdf:Description rdf:about="urn:x"><ex:p>&a9;</ex:p>'
                   "</rdf:Description></rdf:RDF>", encoding="utf-8")
    r = run("SELECT * WHERE { ?s ?p ?o }", "--data", str(doc), "--timeout", "20")
    assert r.exit_code == 4 and "DOCTYPE" in r.stderr
