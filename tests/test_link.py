"""`kgtool link` (issue #4 points 2, 3 and 5): matching, the committed links, shapes, queries.

Offline: the reference graphs are imported from $KGTOOL_SHARED/data into a temp cache once per
module; the committed graph/links.ttl and graph/links.sssom.tsv must equal a fresh run.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kgtool import link as lk
from kgtool.io import parse_rdf
from kgtool.project import Project
from kgtool.reference import code_history, divisions, industry, wikidata
from kgtool.reference.common import reference_dir

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project(root=ROOT, data_dir=ROOT)
DATA = PROJECT.shared_dir / "data"
ID = "https://w3id.org/kgtool/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

pytestmark = pytest.mark.skipif(not (DATA / "china-admin-divisions").is_dir(),
                                reason="shared reference data not available")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache")
    ref = reference_dir(root)
    divisions.write_graph(divisions.discover(DATA / "china-admin-divisions" / "national"),
                          ref / "divisions.nt")
    code_history.write_graph([DATA / "china-admin-code-history" / "national-county-level-history.csv"],
                             ref / "code-history.nt")
    industry.write_graph(DATA / "gbt4754-2017-industry" / "gbt4754-2017_sections_divisions.csv",
                         ref / "industry.nt")
    wikidata.write_graph([DATA / "wikidata-qids" / "qids.csv"], ref / "wikidata.nt")
    return root


@pytest.fixture(scope="module")
def index(cache: Path) -> lk.DivisionIndex:
    return lk.DivisionIndex(divisions.records_from_graph(lk.reference_path(cache, "divisions")))


@pytest.fixture(scope="module")
def facts() -> Graph:
    g = Graph(bind_namespaces="none")
    for path in PROJECT.fact_files:
        parse_rdf(path, graph=g)
    return g


@pytest.fixture(scope="module")
def result(facts: Graph, cache: Path) -> lk.LinkResult:
    return lk.build_links(facts, cache, ROOT / "graph" / "mappings")


# ------------------------------------------------------------------------------- the resolver

@pytest.mark.parametrize("mention,context,expected", [
    ("洞泾", "310117", "310117106"),
    ("洞泾镇", "310117", "310117106"),
    ("松江洞泾", "31", "310117106"),
    ("九里亭街道", "310117", "310117006"),
    ("九里亭", "310117", "310117006"),
    ("松江", "31", "310117"),
    ("上海市", None, "31"),
    ("虹桥镇", "31", "310112107"),
    ("虹桥", "310105", "310105009"),
    ("虹桥", "310112", "310112107"),
    ("新桥镇", "310117", "310117105"),
    ("中国(上海)自由贸易试验区(保税片区)", "310115", "310115501"),   # half-width brackets
    ("洞泾镇\u3000", "310117", "310117106"),                      # full-width space
])
def test_resolves_by_name_and_containment(index: lk.DivisionIndex, mention: str,
                                          context: str | None, expected: str) -> None:
    r = index.resolve(mention, context)
    assert (r.status, r.code) == ("linked", expected), r


@pytest.mark.parametrize("mention,context,n", [
    ("虹桥", "31", 2),          # 虹桥街道 310105009 / 虹桥镇 310112107
    ("新桥镇", None, 21),       # 21 units named 新桥镇 nationally
    ("上海", None, 2),          # 上海市 31 and a 上海街道 in Fuzhou
])
def test_ambiguous_without_enough_context(index: lk.DivisionIndex, mention: str,
                                          context: str | None, n: int) -> None:
    r = index.resolve(mention, context)
    assert r.status == "ambiguous" and r.code is None and len(r.candidates) == n


def test_never_links_across_districts(index: lk.DivisionIndex) -> None:
    # 虹桥 is in 长宁区 and 闵行区, not in 松江区; 新桥镇 of 松江区 is not found in 浦东新区.
    assert index.resolve("虹桥", "310117").status == "none"
    r = index.resolve("新桥镇", "310115")
    assert r.code != "310117105"


def test_suffix_never_stripped_to_one_character(index: lk.DivisionIndex) -> None:
    assert lk.strip_suffix("唐镇") is None
    assert index.resolve("唐", "310115").status == "none"


# ------------------------------------------------------------------------------- our places

def test_article_places_are_linked_and_non_divisions_are_not(result: lk.LinkResult) -> None:
    got = {o.place[len(ID):]: (o.status, o.code) for o in result.outcomes}
    assert got["place/上海市"] == ("linked", "31")
    assert got["place/松江区"] == ("linked", "310117")
    assert got["place/洞泾镇"] == ("linked", "310117106")
    assert got["place/九里亭街道"] == ("linked", "310117006")
    for key in ("place/松江新城", "place/松江综保区", "place/经开区", "place/z01", "place/大阪",
                "place/长三角", "place/科技影都"):
        assert got[key][0] == "skipped" and got[key][1] is None, key
    division_targets = {lk_.subject for lk_ in result.links if lk_.object.startswith(ID + "division/")}
    assert division_targets == {ID + "place/上海市", ID + "place/松江区", ID + "place/洞泾镇",
                                ID + "place/九里亭街道"}


def test_wikidata_links_only_verified_qids(result: lk.LinkResult) -> None:
    same = {(x.subject[len(ID):], x.object) for x in result.links
            if x.predicate.endswith("#sameAs")}
    wd = "http://www.wikidata.org/entity/"
    assert same == {("place/上海市", wd + "Q8686"), ("place/松江区", wd + "Q662380"),
                    ("place/中国", wd + "Q148")}


def test_containment_decides_when_the_container_moves(facts: Graph, cache: Path) -> None:
    """Put 洞泾镇 inside 浦东新区 instead: no 洞泾 there, so no link (never first hit)."""
    g = Graph(bind_namespaces="none")
    for t in facts:
        g.add(t)
    pudong = URIRef(ID + "place/浦东新区")
    g.add((pudong, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
           URIRef("https://w3id.org/kgtool/def/District")))
    g.add((pudong, URIRef(SKOS + "prefLabel"), Literal("浦东新区", lang="zh-Hans")))
    g.add((pudong, URIRef("https://schema.org/containedInPlace"), URIRef(ID + "place/上海市")))
    town = URIRef(ID + "place/洞泾镇")
    g.remove((town, URIRef("https://schema.org/containedInPlace"), None))
    g.add((town, URIRef("https://schema.org/containedInPlace"), pudong))
    res = lk.build_links(g, cache, ROOT / "graph" / "mappings")
    got = {o.place: o for o in res.outcomes}
    assert got[ID + "place/浦东新区"].code == "310115"
    assert got[str(town)].status == "none"


def test_industry_table_and_the_41(result: lk.LinkResult) -> None:
    rows = {(x.subject[len(ID):], x.predicate.replace("/", "#").rsplit("#", 1)[1], x.object.rsplit("/", 1)[1])
            for x in result.links if x.linkset == "gbt4754"}
    assert ("industry/仪器仪表", "closeMatch", "40") in rows
    assert len(result.collection) == 41
    assert result.collection[0].endswith("/06") and result.collection[-1].endswith("/46")
    assert any(p == "observedEntity" and s == "observation/a02" for s, p, _ in rows)


# ------------------------------------------------------------------------------- committed files

def test_committed_links_are_up_to_date_and_deterministic(result: lk.LinkResult) -> None:
    date = lk.committed_date(ROOT / "graph" / lk.LINKS_SSSOM)
    assert date is not None
    ttl, sssom = lk.render(result, date)
    ttl2, sssom2 = lk.render(result, date)
    assert (ttl, sssom) == (ttl2, sssom2)
    assert (ROOT / "graph" / lk.LINKS_TTL).read_bytes() == ttl, "run `kgtool link`"
    assert (ROOT / "graph" / lk.LINKS_SSSOM).read_bytes() == sssom, "run `kgtool link`"
    assert b"_:" not in ttl


@pytest.mark.parametrize("host_setting", [True, False])
def test_link_keeps_the_hosts_rdflib_setting_and_its_bytes(host_setting: bool, cache: Path) -> None:
    """Issue 9.4: linking from the API leaves `rdflib.NORMALIZE_LITERALS` as the host set it,
    and the links it renders are the committed ones whatever that setting is."""
    import rdflib

    from kgtool import api

    old = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = host_setting
    try:
        result = api.link(PROJECT, cache=cache)
        assert rdflib.NORMALIZE_LITERALS is host_setting
        ttl, _ = lk.render(result, lk.committed_date(ROOT / "graph" / lk.LINKS_SSSOM) or "")
        assert rdflib.NORMALIZE_LITERALS is host_setting
    finally:
        rdflib.NORMALIZE_LITERALS = old
    assert ttl == (ROOT / "graph" / lk.LINKS_TTL).read_bytes()


def test_sssom_rows_match_link_nodes() -> None:
    text = (ROOT / "graph" / lk.LINKS_SSSOM).read_text(encoding="utf-8")
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert body[0].split("\t") == list(lk.SSSOM_COLUMNS)
    g = parse_rdf(ROOT / "graph" / lk.LINKS_TTL)
    axioms = {str(s) for s in g.subjects(URIRef("http://www.w3.org/2002/07/owl#annotatedSource"))}
    # CURIEs carry non-ASCII characters percent-encoded (the URI form of the IRI, RFC 3987)
    ids = {unquote(ln.split("\t")[0]).replace("kglink:", ID + "link/") for ln in body[1:]}
    assert ids == axioms and len(ids) == len(body) - 1
    for ln in body[1:]:
        cells = ln.split("\t")
        assert cells[6].startswith("semapv:") and cells[8] == "kgtool" and 0 <= float(cells[7]) <= 1


def test_link_cli_check_and_report(cache: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KGTOOL_CACHE": str(cache)}
    r = subprocess.run([sys.executable, "-m", "kgtool", "link", "--check", "--report"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "linked    洞泾镇 → 310117106" in r.stdout
    assert "article-places: precision 1.0000" in r.stdout
    assert "nbs-generated: precision 1.0000" in r.stdout


def test_link_without_imported_reference_exits_3(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KGTOOL_CACHE": str(tmp_path / "empty")}
    r = subprocess.run([sys.executable, "-m", "kgtool", "link", "--check"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and "import-reference" in r.stderr


# ------------------------------------------------------------------------------- SHACL

def _validate(g: Graph) -> tuple[bool, str]:
    """kgtool's one validation function (what `kgtool validate` calls), with the project's
    shapes -- core and link shapes -- on `g`: (no violations, the findings in words)."""
    from kgtool.validate import validate

    report = validate(g, PROJECT)
    return report.ok(), "\n".join(f"{f.severity} {f.focus} {f.path}: {f.message}"
                                   for f in report.findings)


@pytest.fixture(scope="module")
def linked() -> Graph:
    """The built graph: the links with the places and industries they join, and the rest."""
    return parse_rdf(ROOT / "graph" / "songjiang.ttl")


def _copy(g: Graph) -> Graph:
    out = Graph(bind_namespaces="none")
    for t in g:
        out.add(t)
    return out


def test_links_conform_to_the_link_shapes(linked: Graph) -> None:
    ok, text = _validate(linked)
    assert ok, text


def test_shapes_catch_cross_district_and_non_division_links(linked: Graph) -> None:
    g = _copy(linked)
    town, zone = URIRef(ID + "place/洞泾镇"), URIRef(ID + "place/松江综保区")
    g.remove((town, URIRef(SKOS + "exactMatch"), None))
    g.add((town, URIRef(SKOS + "exactMatch"), URIRef(ID + "division/310112107")))
    g.add((zone, URIRef(SKOS + "exactMatch"), URIRef(ID + "division/310117507")))
    ok, text = _validate(g)
    assert not ok
    assert "not inside" in text and "place/洞泾镇" in text
    assert "not an administrative division" in text and "place/松江综保区" in text
    assert "has no link node" in text


def test_shapes_catch_bad_link_nodes_and_codes(linked: Graph) -> None:
    g = _copy(linked)
    node = URIRef(ID + "link/place-松江区--exactMatch--division-310117")
    g.remove((node, URIRef("https://w3id.org/sssom/confidence"), None))
    g.add((node, URIRef("https://w3id.org/sssom/confidence"),
           Literal("1.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))
    g.add((URIRef(ID + "division/310117"), URIRef(SKOS + "notation"),
           Literal("31011", datatype=URIRef("https://w3id.org/kgtool/def/GBT2260Code"))))
    coll = URIRef(ID + "scheme/gbt4754-2017/industrial-divisions")
    g.remove((coll, URIRef(SKOS + "member"), URIRef(ID + "scheme/gbt4754-2017/40")))
    ok, text = _validate(g)
    assert not ok
    assert "confidence" in text and "malformed code notation 31011" in text
    assert "collection has 40 members" in text


# ------------------------------------------------------------------------------- queries

def _store(*paths: Path) -> ox.Store:
    store = ox.Store()
    for p in paths:
        fmt = ox.RdfFormat.N_TRIPLES if p.suffix == ".nt" else ox.RdfFormat.TURTLE
        store.load(path=str(p), format=fmt)
    return store


def _run(store: ox.Store, name: str) -> list[list[str]]:
    text = (ROOT / "kgtool" / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    assert text.startswith("# title:") and "# description:" in text
    return [[t.value if t is not None else "" for t in row] for row in store.query(text)]


def test_cq10_codes_of_the_article_places() -> None:
    rows = _run(_store(ROOT / "graph" / lk.LINKS_TTL, *PROJECT.fact_files), "cq10")
    codes = {r[2]: r for r in rows}
    assert {"31", "310117", "310117106", "310117006"} <= set(codes)
    assert codes["310117106"][5] == "310117" and codes["310117"][3] == "310117"


def test_cq10_changes_when_the_links_change(tmp_path: Path) -> None:
    mutated = tmp_path / "links.ttl"
    mutated.write_text((ROOT / "graph" / lk.LINKS_TTL).read_text(encoding="utf-8")
                       .replace('"310117106"', '"310117199"'), encoding="utf-8")
    rows = _run(_store(mutated, *PROJECT.fact_files), "cq10")
    codes = {r[2] for r in rows}
    assert "310117106" not in codes and "310117199" in codes


def test_cq11_instrument_to_division_40() -> None:
    rows = _run(_store(ROOT / "graph" / lk.LINKS_TTL, *PROJECT.fact_files), "cq11")
    assert ["仪器仪表", "40"] in [r[:2] for r in rows]
    assert all(r[2].startswith(SKOS) and len(r[5]) > 20 for r in rows)


def test_townships_of_the_district_from_the_cache(cache: Path) -> None:
    rows = _run(_store(ROOT / "graph" / lk.LINKS_TTL, *PROJECT.fact_files,
                       lk.reference_path(cache, "divisions")), "link-townships")
    assert len(rows) == 20 and {r[0] for r in rows} == {"310117"}
    assert ["310117", "松江区", "310117106", "洞泾镇"] in rows


def test_townships_without_the_division_codes_says_what_is_missing(cache: Path) -> None:
    """Without the NBS reference graph the query still answers (2 rows, from the committed
    links): a note says that the answer is partial and how to add the missing data."""
    from kgtool import api

    links = ROOT / "graph" / lk.LINKS_TTL
    partial = api.Dataset.from_files(links, *PROJECT.fact_files).query("link-townships")
    assert len(partial) == 2
    assert len(partial.notes) == 1 and "import-reference divisions" in partial.notes[0]
    assert "divisions.nt" in partial.notes[0] and "\n" not in partial.notes[0]
    full = api.Dataset.from_files(links, *PROJECT.fact_files,
                                  lk.reference_path(cache, "divisions")).query("link-townships")
    assert len(full) == 20 and full.notes == []


def test_industrial_divisions_touched() -> None:
    rows = _run(_store(ROOT / "graph" / lk.LINKS_TTL, *PROJECT.fact_files), "link-industrial-divisions")
    codes = {r[0] for r in rows}
    assert "40" in codes and "39" in codes
    assert all("06" <= c <= "46" for c in codes) and "63" not in codes
