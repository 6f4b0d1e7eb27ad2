"""The web pages (kgtool.web): Cool-URI resolution, entity/source/class/search/query pages,
escaping of hostile text, CSP, the `serve` hook, and `kgtool publish` (deterministic, atomic)."""
from __future__ import annotations

import html
import re
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT
from conftest_server import ServerProcess, http
from kgtool.web import open_site, urls
from kgtool.web.render import CSP, Renderer

SEED = (ROOT / "seeds" / "songjiang-advanced-manufacturing.txt").read_text(encoding="utf-8")
GRAPH = ROOT / "graph" / "songjiang.ttl"
ONTOLOGY = ROOT / "ontology" / "kgtool.ttl"
SONGJIANG = "https://w3id.org/kgtool/id/place/松江区"
SOURCE = "https://w3id.org/kgtool/id/source/songjiang-advanced-manufacturing"

HOSTILE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/kgtool/id/org/evil> a <https://w3id.org/kgtool/def/Enterprise> ;
    skos:prefLabel "<script>alert(1)</script>\\" onmouseover=\\"x"@en , "\\u202Eevil\\u0007名"@zh-Hans ;
    skos:exactMatch <javascript:alert(2)> ;
    schema:address [ schema:name "a blank node" ; schema:geo [ schema:name "nested" ] ] ;
    prov:wasDerivedFrom <https://w3id.org/kgtool/id/span/0-12> .
<https://w3id.org/kgtool/id/span/0-12> oa:hasSource <https://w3id.org/kgtool/id/source/evil> ;
    oa:hasSelector <https://w3id.org/kgtool/id/span/0-12/p> .
<https://w3id.org/kgtool/id/span/0-12/p> oa:start "0"^^xsd:nonNegativeInteger ;
    oa:end "12"^^xsd:nonNegativeInteger .
<https://w3id.org/kgtool/id/source/evil> schema:text "<b>hi</b>'\\"&x</textarea>。第二句没有事实。" .
"""


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    site = open_site([str(GRAPH)], None, ontology=ONTOLOGY,
                     exclusions=ROOT / "graph" / "coverage-exclusions.toml")
    return Renderer(site, ontology=site.stores[1])


def _page(r: Renderer, path: str, accept: str | None = None, **params: str):
    return r.respond(path, {k: [v] for k, v in params.items()}, accept)


def _svgs(body: str) -> list[object]:
    """Every inline SVG picture of a page, parsed as XML (so it must be well-formed)."""
    import xml.etree.ElementTree as ET

    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", body, re.S)]


def _marks(body: str) -> list[tuple[int, int, str]]:
    return [(int(a), int(b), html.unescape(t)) for a, b, t in re.findall(
        r'<mark class="quote" data-start="(\d+)" data-end="(\d+)"[^>]*>(.*?)</mark>', body, re.S)]


# ---------------------------------------------------------------- resolution (Cool URIs, 303)

@pytest.mark.parametrize("accept, ext", [
    ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "html"), ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"), ("application/n-triples", "nt"), (None, "html"),
    ("application/rdf+xml;q=1, text/turtle;q=0.5", "ttl")])
def test_thing_iri_303_to_its_document(renderer: Renderer, accept: str | None, ext: str) -> None:
    page = _page(renderer, "id/place/松江区", accept)
    assert page.status == 303 and page.headers["Vary"] == "Accept"
    assert urllib.parse.unquote(page.headers["Location"]) == f"/id/place/松江区.{ext}"


def test_documents_by_suffix(renderer: Renderer) -> None:
    import pyoxigraph as ox

    for ext, fmt in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                     ("jsonld", ox.RdfFormat.JSON_LD)):
        page = _page(renderer, f"id/place/松江区.{ext}")
        assert page.status == 200 and page.ctype.startswith(urls.DOCUMENTS[ext][0])
        triples = list(ox.parse(page.body, format=fmt))
        subjects = {t.subject.value for t in triples}
        assert SONGJIANG in subjects and any(s.startswith(SONGJIANG.replace("place/松江区", "span/"))
                                             for s in subjects)   # provenance travels along
    assert _page(renderer, "def/", "text/turtle").headers["Location"] == "/def/index.ttl"
    district = _page(renderer, "def/District.html")
    assert district.status == 200 and b'href="../classes/kg/District.html" class="instances"' in district.body
    assert _page(renderer, "id/place/nowhere").status == 404
    assert _page(renderer, "id/place/nowhere.ttl").status == 404


ODD_PATHS = ["classes/", "id/", "def/index.ttl", "id/span/1039-1065/position.html", "%", "%zz",
             "a b", "<x>", "a/../b", "\u202e", "\x00", "id/place/松江区.html.ttl", ".ttl",
             "index.html.html", "query", "static/", "static/x.css", "id/division/310117.html",
             "id/place/松江区/", "x" * 3000, "search"]


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_paths_never_fail(renderer: Renderer, path: str) -> None:
    page = renderer.respond(path, {"q": ["\x00<"], "query": ["SELECT * {?s ?p ?o} LIMIT 1"]}, None)
    assert page.status < 500 or page.status == 503


def test_other_base(tmp_path: Path) -> None:
    data = tmp_path / "x.ttl"
    data.write_text('<https://example.org/kg/thing/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "A"@en .\n',
                    encoding="utf-8")
    site = open_site([str(data)], None, ontology=None, base="https://example.org/kg/")
    r = Renderer(site)
    assert _page(r, "thing/a").headers["Location"] == "/thing/a.html"
    assert b"<bdi lang=\"en\">A</bdi>" in _page(r, "thing/a.html").body


# ---------------------------------------------------------------- entity pages

def test_entity_page(renderer: Renderer) -> None:
    body = _page(renderer, "id/place/松江区.html").body.decode()
    assert '<bdi lang="zh-Hans">松江区</bdi>' in body and '<bdi lang="en">Songjiang District</bdi>' in body
    assert "kg:District" in body or "District" in body
    marks = _marks(body) + _marks(_page(renderer, "id/place/洞泾镇.html").body.decode())
    assert len(marks) >= 3
    for start, end, text in marks:
        assert text == SEED[start:end]          # the highlighted words are the seed's
    assert 'href="../../id/source/songjiang-advanced-manufacturing.html#span-' in body
    assert "skos:exactMatch" in body and "division/310117" in body   # reference match
    assert "wikidata.org/entity/" in body
    assert 'id="incoming"' in body
    (picture,) = _svgs(body)                                  # the neighbourhood
    names = {t.text for t in picture.iter("{http://www.w3.org/2000/svg}text")}
    assert "上海市" in names and "skos:exactMatch" in names
    assert "<script" not in body


def test_class_index_and_search(renderer: Renderer) -> None:
    classes = _page(renderer, "classes.html").body.decode()
    assert 'href="classes/kg/Town.html"' in classes
    town = _page(renderer, "classes/kg/Town.html").body.decode()
    assert "洞泾镇" in town and 'href="../../id/place/' in town
    for needle, expect in (("洞泾", "洞泾镇"), ("dongjing", "Dongjing Town")):
        found = _page(renderer, "search", q=needle).body.decode()
        assert expect in found
    assert "洞泾镇" not in _page(renderer, "search", q="zzzz-no-such").body.decode()


# ---------------------------------------------------------------- source pages

def test_source_page_highlights_every_span_and_marks_factless_sentences(renderer: Renderer) -> None:
    from kgtool import coverage

    site = renderer.site
    info = site.sources()[SOURCE]
    body = _page(renderer, "id/source/songjiang-advanced-manufacturing.html").body.decode()
    article = re.search(r'<article class="source"[^>]*>(.*?)</article>', body, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", article)) == SEED     # the whole text, verbatim
    for sp in info.spans:
        assert f'id="span-{sp.start}-{sp.end}"' in body
    # the sentences marked "nofact" are exactly coverage.py's uncovered ones
    report = coverage.check(SEED, _rdflib(site), ROOT / "graph" / "coverage-exclusions.toml")
    marked = {(int(a), int(b)) for a, b in re.findall(
        r'<span class="sent nofact" data-start="(\d+)" data-end="(\d+)"', body)}
    assert marked == {(s.start, s.end) for s in report.uncovered_sentences}
    chart = next(p for p in _svgs(body) if p.get("aria-label") == "statistics of the article")
    shown = [t.text for t in chart.iter("{http://www.w3.org/2000/svg}text")]
    assert "3726.3亿元" in shown and "1718家" in shown and "亿元" in shown
    onto = _svgs(_page(renderer, "ontology.html").body.decode())[0]
    boxes = [t.text for t in onto.iter("{http://www.w3.org/2000/svg}text")]
    assert any(b.startswith("kg:District") for b in boxes) and "kg:adoptedAt" in boxes


def _rdflib(site):
    from rdflib import Graph

    g = Graph()
    g.parse(GRAPH)
    return g


def test_sources_come_from_the_graph(tmp_path: Path) -> None:
    data = tmp_path / "evil.ttl"
    data.write_text(HOSTILE, encoding="utf-8")
    site = open_site([str(data)], None, ontology=None)
    assert list(site.sources()) == ["https://w3id.org/kgtool/id/source/evil"]
    body = Renderer(site).respond("id/source/evil.html", {}, None).body.decode()
    assert 'class="sent nofact"' in body and "第二句没有事实" in body


TWO_SOURCES = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@base <https://w3id.org/kgtool/id/> .
<source/a> schema:text "甲公司成立。乙公司没有事实。" ; rdfs:label "来源甲"@zh-Hans .
<source/b> schema:text "丙公司在松江。" ; rdfs:label "来源乙"@zh-Hans .
<org/甲> skos:prefLabel "甲公司"@zh-Hans ; prov:wasDerivedFrom <span/a/0-3> .
<org/丙> skos:prefLabel "丙公司"@zh-Hans ; prov:wasDerivedFrom <span/b/0-3> .
<span/a/0-3> oa:hasSource <source/a> ; oa:hasSelector <span/a/0-3/p> .
<span/a/0-3/p> oa:start 0 ; oa:end 3 .
<span/b/0-3> oa:hasSource <source/b> ; oa:hasSelector <span/b/0-3/p> .
<span/b/0-3/p> oa:start 0 ; oa:end 3 .
"""


def test_two_sources_each_with_its_own_spans(tmp_path: Path) -> None:
    data = tmp_path / "two.ttl"
    data.write_text(TWO_SOURCES, encoding="utf-8")
    r = Renderer(open_site([str(data)], None, ontology=None))
    home = r.respond("", {}, None).body.decode()
    assert "来源甲" in home and "来源乙" in home
    a = r.respond("id/source/a.html", {}, None).body.decode()
    b = r.respond("id/source/b.html", {}, None).body.decode()
    article_a = a.split("<article")[1].split("</article>")[0]
    assert 'href="#span-0-3">甲公司</a>' in article_a and "丙" not in article_a
    assert '<span class="sent nofact" data-start="6" data-end="14"' in a     # 乙公司没有事实。
    assert 'href="#span-0-3">丙公司</a>' in b and 'class="sent nofact"' not in b.split("<article")[1]
    e = r.respond("id/org/丙.html", {}, None).body.decode()
    assert _marks(e) == [(0, 3, "丙公司")] and "../../id/source/b.html#span-0-3" in e


# ---------------------------------------------------------------- safety

def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    data = tmp_path / "evil.ttl"
    data.write_text(HOSTILE, encoding="utf-8")
    r = Renderer(open_site([str(data)], None, ontology=None))
    for path in ("id/org/evil.html", "id/source/evil.html", "search", "classes/kg/Enterprise.html",
                 "index.html"):
        page = r.respond(path, {"q": ["<script>"]}, None)
        body = page.body.decode()
        assert page.headers["Content-Security-Policy"] == CSP
        assert "<script" not in body and "x</textarea>" not in body
        assert "\u202e" not in body and "\x07" not in body
    body = r.respond("id/org/evil.html", {}, None).body.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;x" in body
    assert "[U+202E]evil[U+0007]名" in body
    assert 'href="javascript:' not in body
    assert "&lt;b&gt;hi&lt;/b&gt;&#39;&#34;&amp;</mark>" in body   # the quote, escaped
    assert _marks(body) == [(0, 12, "<b>hi</b>'\"&")]
    assert "default-src 'none'" in CSP and "script-src" not in CSP


# ---------------------------------------------------------------- the server hook

@pytest.fixture(scope="module")
def server():
    srv = ServerProcess(["--quiet", "--workers", "1", "--row-cap", "5"])
    yield srv
    srv.stop()


def _no_follow(port: int, path: str, accept: str) -> tuple[int, dict[str, str]]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        resp.read()
        return resp.status, dict(resp.getheaders())
    finally:
        conn.close()


def test_served_pages(server: ServerProcess) -> None:
    quoted = urllib.parse.quote("/id/place/松江区")
    status, headers = _no_follow(server.port, quoted, "text/turtle")
    assert status == 303 and headers["Location"] == quoted + ".ttl"
    status, headers, body = http("GET", server.base + quoted, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    status, headers, body = http("GET", server.base + quoted + ".html")
    assert status == 200 and headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff" and "松江区".encode() in body
    status, headers, body = http("HEAD", server.base + quoted + ".html")
    assert status == 200 and body == b""
    for path in ("/%ff", "/id/../../etc/passwd", "/" + "x" * 5000, "/query?query=%ff",
                 "/classes/zz/Nope.html", "/static/../../pyproject.toml"):
        assert http("GET", server.base + path)[0] in (400, 404, 414)
    assert http("POST", server.base + quoted + ".html", b"x",
                {"Content-Type": "text/plain"})[0] in (404, 405, 415)
    for method in ("PUT", "DELETE", "PATCH"):          # no write path
        assert http(method, server.base + quoted + ".html", b"x")[0] == 405
    assert http("GET", server.url + "?query=ASK%7B%7D")[0] == 200     # the endpoint still works


def test_query_page_uses_the_endpoint_policy_and_cap(server: ServerProcess) -> None:
    status, _, body = http("GET", server.base + "/query?name=cq01")
    assert status == 200 and b'<table class="results"' in body and b"1718" in body
    assert b"format=csv" in body and b"format=xml" in body
    query = urllib.parse.quote("SELECT ?s WHERE { ?s ?p ?o }")
    status, _, body = http("GET", server.base + "/query?query=" + query)
    assert status == 200 and body.count(b"<tr><td>") == 5 and b"truncated at the row cap" in body
    status, _, body = http("GET", server.base + "/query?query=" + urllib.parse.quote(
        "DELETE WHERE { ?s ?p ?o }"))
    assert status == 403 and b"refused" in body
    status, _, body = http("GET", server.base + "/query?query=" + urllib.parse.quote(
        "ASK { ?s a kg:Town }"))
    assert status == 200 and b"<strong>true</strong>" in body and b"format=xml" in body
    status, _, body = http("GET", server.base + "/query?query=" + urllib.parse.quote(
        "CONSTRUCT { ?s a kg:Town } WHERE { ?s a kg:Town }"))
    assert status == 200 and "洞泾镇".encode() in body and b"format=turtle" in body
    assert b"<textarea" in http("GET", server.base + "/")[2]


def test_served_search_and_404(server: ServerProcess) -> None:
    status, _, body = http("GET", server.base + "/search?q=" + urllib.parse.quote("洞泾"))
    assert status == 200 and "洞泾镇".encode() in body and b"Dongjing" not in body
    status, _, body = http("GET", server.base + "/search?q=DONGJING")   # case-insensitive
    assert status == 200 and b"Dongjing Town" in body
    for hostile in ('"', "\\", '") } DROP ALL #', "\n"):
        status, _, body = http("GET", server.base + "/search?q=" + urllib.parse.quote(hostile))
        assert status == 200 and b"labels-index" in body
    status, _, body = http("GET", server.base + "/id/place/nowhere")
    assert status == 404 and b'href="../../static/site.css"' in body


def test_pages_from_a_store(tmp_path: Path) -> None:
    from conftest import run_kgtool

    store = tmp_path / "store"
    assert run_kgtool(["load", "--store", str(store), str(GRAPH)], cwd=ROOT).returncode == 0
    srv = ServerProcess(["--quiet", "--workers", "1", "--store", str(store)])
    try:
        status, _, body = http("GET", srv.base + urllib.parse.quote("/id/place/洞泾镇.html"))
        assert status == 200 and '<bdi lang="zh-Hans">洞泾镇</bdi>'.encode() in body
        assert b'<mark class="quote"' in body
    finally:
        srv.stop()


# ---------------------------------------------------------------- publish

def test_publish_is_deterministic_and_atomic(tmp_path: Path, cli_run) -> None:
    data = tmp_path / "evil.ttl"
    data.write_text(HOSTILE, encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    for dest in (one, two):
        r = cli_run(["publish", str(dest), "--data", str(data)], cwd=ROOT)
        assert r.exit_code == 0, r.output
    files = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    for f in files:
        assert (one / f).read_bytes() == (two / f).read_bytes(), f
    for f in ("id/org/evil.html", "id/org/evil.ttl", "id/org/evil.jsonld", "id/org/evil.nt",
              "id/source/evil.html", "index.html", "query.html", "query/cq01.html",
              "query/cq01.srj", "dumps/graph.nt", "dumps/dataset.ttl", "htaccess.example",
              "nginx.conf.example", "ontology.html", "static/site.css"):
        assert f in files, f
    assert "R=303" in (one / "htaccess.example").read_text() and "return 303" in (
        one / "nginx.conf.example").read_text()
    # republishing replaces an earlier site; a folder that is not a site is refused, untouched
    assert cli_run(["publish", str(one), "--data", str(data)], cwd=ROOT).exit_code == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    r = cli_run(["publish", str(other), "--data", str(data)], cwd=ROOT)
    assert r.exit_code == 4 and (other / "keep.txt").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temp dirs left
