"""Several source documents (issue 8): the registry, `kgtool source add`, facts per source,
shared entities, agreeing and conflicting statistics, coverage per source, and bad input.

The second source is the fictional test bulletin in tests/fixtures/sources/.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from kgtool import sources, statistics
from kgtool.build import assemble, build
from kgtool.errors import InputError
from kgtool.namespaces import DEF, ID
from kgtool.project import Project

from conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "sources"
KEY = "songjiang-bulletin-2025"
OA = "http://www.w3.org/ns/oa#"
WB = statistics.WIKIBASE


def _copy(dest: Path) -> Project:
    dest.mkdir(parents=True)
    for folder in ("seeds", "ontology", "graph"):
        shutil.copytree(ROOT / folder, dest / folder)
    (dest / "pyproject.toml").write_text('[project]\nname = "kgtool"\n', encoding="utf-8")
    return Project(root=dest, data_dir=dest)


def add_bulletin(proj: Project) -> sources.Source:
    """What the README walk-through does: register the document, then put its facts in place."""
    meta = sources.metadata_from_file(FIXTURE / f"{KEY}.toml")
    src = sources.add(proj, FIXTURE / f"{KEY}.txt", meta)
    (proj.facts_dir / KEY).mkdir()
    shutil.copy2(FIXTURE / KEY / "facts.ttl", proj.facts_dir / KEY / "facts.ttl")
    return src


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Graph]:
    proj = _copy(tmp_path_factory.mktemp("two") / "p")
    add_bulletin(proj)
    return proj, assemble(proj).graph


def _files(proj: Project) -> dict[str, bytes]:
    return {p.relative_to(proj.data_dir).as_posix(): p.read_bytes()
            for p in sorted(proj.data_dir.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------ the registry

def test_registry_holds_the_article_not_python(real_project: Project) -> None:
    reg = sources.load(real_project)
    art = reg.default
    assert art.key == "songjiang-advanced-manufacturing" and art.author == "韩海峰"
    assert art.sha256 == hashlib.sha256(real_project.seed.read_bytes()).hexdigest()
    assert not hasattr(__import__("kgtool.build").build, "TITLE")


def test_source_add_registers_and_copies(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "p")
    src = add_bulletin(proj)
    assert (proj.data_dir / "seeds" / f"{KEY}.txt").read_bytes() == (FIXTURE / f"{KEY}.txt").read_bytes()
    reg = sources.load(proj)
    assert [s.key for s in reg.sources] == ["songjiang-advanced-manufacturing", KEY]
    assert reg.get(KEY) == src and src.published == "2025-12-20" and not src.default


def test_source_list_cli(two: tuple[Project, Graph], cli_run) -> None:
    proj, _ = two
    r = cli_run(["source", "list", "--format", "json", "--project", str(proj.root)])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [(x["key"], x["checksum"], x["facts"]) for x in rows] == [
        ("songjiang-advanced-manufacturing", "ok", 3), (KEY, "ok", 1)]


# ------------------------------------------------------------------------ facts per source

def test_span_iris_of_the_sources_never_collide(two: tuple[Project, Graph]) -> None:
    proj, g = two
    spans = set(g.subjects(RDF.type, URIRef(OA + "SpecificResource")))
    second = {s for s in spans if (s, URIRef(OA + "hasSource"), URIRef(ID + f"source/{KEY}")) in g}
    assert len(second) > 20
    assert all(str(s).startswith(f"{ID}span/{KEY}/") for s in second)
    first = spans - second
    # the article's span IRIs are unchanged: the committed graph has exactly these
    committed = Graph().parse(proj.built_graph if proj.built_graph.suffix == ".ttl" else
                              ROOT / "graph" / "songjiang.ttl")
    assert first == set(committed.subjects(RDF.type, URIRef(OA + "SpecificResource")))


def test_shared_entity_is_one_node_with_provenance_from_each_source(two: tuple[Project, Graph]) -> None:
    _, g = two
    for thing in ("place/松江区", "place/洞泾镇", "industry/新一代信息技术", "person/王华杰",
                  "org/繁枫新能源"):
        node = URIRef(ID + thing)
        assert statistics.sources_of(g, node) == ["songjiang-advanced-manufacturing", KEY], thing


def test_shared_person_and_enterprise_have_a_span_in_each_source(two: tuple[Project, Graph]) -> None:
    """A person and an enterprise of the article, named again by the bulletin: one node each, typed
    once, whose prov:wasDerivedFrom spans select their name's words in each source's text."""
    proj, g = two
    texts = {s.key: (proj.data_dir / "seeds" / s.file).read_text(encoding="utf-8")
             for s in sources.load(proj).sources}
    start, end = URIRef(OA + "start"), URIRef(OA + "end")
    for thing, kind, name in (("person/王华杰", URIRef("http://xmlns.com/foaf/0.1/Person"), "王华杰"),
                              ("org/繁枫新能源", URIRef(DEF + "Enterprise"),
                               "繁枫新能源")):
        node = URIRef(ID + thing)
        assert list(g.objects(node, RDF.type)) == [kind], thing
        by_source: dict[str, list[str]] = {}
        for span in g.objects(node, PROV.wasDerivedFrom):
            key = str(g.value(span, URIRef(OA + "hasSource"))).rsplit("/", 1)[-1]
            (a, b), = [(int(g.value(sel, start)), int(g.value(sel, end)))
                       for sel in g.objects(span, URIRef(OA + "hasSelector")) if g.value(sel, start)]
            by_source.setdefault(key, []).append(texts[key][a:b])
        assert sorted(by_source) == ["songjiang-advanced-manufacturing", KEY], thing
        for key, quoted in by_source.items():
            assert any(name in q for q in quoted), (thing, key, quoted)


def test_agreeing_statistic_is_one_node_with_two_provenance_records(two: tuple[Project, Graph]) -> None:
    _, g = two
    a06 = URIRef(ID + "observation/a06")
    assert statistics.sources_of(g, a06) == ["songjiang-advanced-manufacturing", KEY]
    assert len(list(g.objects(a06, PROV.wasDerivedFrom))) == 2
    assert (a06, RDF.type, WB.BestRank) in g


def test_conflict_of_overlapping_dates_prefers_none(two: tuple[Project, Graph]) -> None:
    """The article is dated 2025 (year precision), the bulletin 2025-12-20: which came later is
    not known, so the conflict is listed and both values keep the normal rank (both best)."""
    proj, g = two
    reg = sources.load(proj)
    assert (reg.default.published, reg.get(KEY).published) == ("2025", "2025-12-20")
    (stat,) = statistics.conflicts(g, reg)
    ranks = {str(v.observation).rsplit("/", 1)[-1]: v.rank for v in stat.values}
    assert ranks == {"a05": "normal", "s2-05": "normal"}
    for obs in ("a05", "s2-05"):
        assert (URIRef(ID + f"observation/{obs}"), WB.rank, WB.NormalRank) in g
        assert (URIRef(ID + f"observation/{obs}"), RDF.type, WB.BestRank) in g


@pytest.mark.parametrize(("article_published", "expected"), [
    ('published = "2025-07"', {"a05": "normal", "s2-05": "preferred"}),   # certainly earlier
    ("", {"a05": "normal", "s2-05": "preferred"}),                          # undated: the oldest
    ('published = "2025-12-20"', {"a05": "normal", "s2-05": "normal"}),    # the same day
    ('published = "2026"', {"a05": "preferred", "s2-05": "normal"}),       # certainly later
])
def test_conflict_is_ranked_by_publication_date(two: tuple[Project, Graph], tmp_path: Path,
                                                article_published: str, expected: dict) -> None:
    proj, g = two
    seeds = tmp_path / "seeds"
    shutil.copytree(proj.data_dir / "seeds", seeds)
    reg_file = seeds / "sources.toml"
    text = reg_file.read_text(encoding="utf-8")
    assert text.count('published = "2025"\n') == 1
    reg_file.write_text(text.replace('published = "2025"\n', article_published + "\n"), encoding="utf-8")
    (stat,) = statistics.conflicts(g, sources.load(Project(root=tmp_path, data_dir=tmp_path)))
    assert {str(v.observation).rsplit("/", 1)[-1]: v.rank for v in stat.values} == expected


def test_latest_published_ranks_in_the_built_graph(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "p")
    add_bulletin(proj)
    reg = proj.data_dir / "seeds" / "sources.toml"
    reg.write_text(reg.read_text(encoding="utf-8").replace('published = "2025"\n', ""), encoding="utf-8")
    g = assemble(proj).graph
    assert (URIRef(ID + "observation/s2-05"), RDF.type, WB.BestRank) in g
    assert (URIRef(ID + "observation/s2-05"), WB.rank, WB.PreferredRank) in g
    assert (URIRef(ID + "observation/a05"), RDF.type, WB.BestRank) not in g
    assert (URIRef(ID + "observation/a05"), WB.rank, WB.NormalRank) in g


def test_conflicts_cli_exit_codes(two: tuple[Project, Graph], real_project: Project, cli_run) -> None:
    proj, _ = two
    r = cli_run(["conflicts", "--format", "json", "--project", str(proj.root)])
    assert r.exit_code == 1
    (c,) = json.loads(r.stdout)
    assert (c["indicator"], c["area"]) == ("规上工业企业数量", "松江区")
    assert sorted(v["value"] for v in c["values"]) == ["1718", "1725"]
    assert cli_run(["conflicts", "--project", str(real_project.root)]).exit_code == 0


def test_override_deprecates_a_value(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "p")
    add_bulletin(proj)
    reg = proj.data_dir / "seeds" / "sources.toml"
    reg.write_text(reg.read_text(encoding="utf-8").replace(
        'policy = "latest-published"\n', 'policy = "latest-published"\n\n[[ranking.override]]\n'
        'observation = "observation/s2-05"\nrank = "deprecated"\nreason = "fixture"\n'),
        encoding="utf-8")
    g = assemble(proj).graph
    assert (URIRef(ID + "observation/s2-05"), WB.rank, WB.DeprecatedRank) in g
    assert (URIRef(ID + "observation/a05"), RDF.type, WB.BestRank) in g


def test_restating_an_agreeing_statistic_on_a_new_node_is_refused(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "p")
    add_bulletin(proj)
    facts = proj.facts_dir / KEY / "facts.ttl"
    text = facts.read_text(encoding="utf-8").replace(
        '<observation/a06> kg:sourceQuote "2024年全区规上工业总产值为3726.3亿元" .',
        '<observation/s2-04> a qb:Observation ; qb:dataSet <dataset/songjiang-bulletin-2025-statistics> ;'
        ' kg:indicator <concept/规上工业总产值> ; sdmx-dimension:refArea <place/松江区> ;'
        ' sdmx-dimension:refPeriod <period/2024> ; sdmx-measure:obsValue 3726.3 ;'
        ' sdmx-attribute:unitMeasure kgunit:HundredMillionCNY ;'
        ' kg:sourceQuote "2024年全区规上工业总产值为3726.3亿元" .')
    facts.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="restates <.*observation/a06>"):
        assemble(proj)


def test_two_source_build_validates(two: tuple[Project, Graph], tmp_path: Path) -> None:
    proj, _ = two
    result = build(proj, output=tmp_path / "out.ttl")
    assert not result.report.violations


def test_coverage_per_source(two: tuple[Project, Graph], cli_run) -> None:
    proj, _ = two
    r = cli_run(["coverage", "--format", "json", "--project", str(proj.root)])
    body = json.loads(r.stdout)
    by_key = {d["source"]: d for d in body["sources"]}
    assert by_key["songjiang-advanced-manufacturing"]["ok"]       # the article stays covered
    second = by_key[KEY]
    assert not second["ok"] and second["uncovered_sentences"]       # the fixture is partly curated
    text = (FIXTURE / f"{KEY}.txt").read_text(encoding="utf-8")
    assert all(text[s["start"]:s["end"]] == s["text"] for s in second["uncovered_sentences"])
    assert r.exit_code == 1


# ------------------------------------------------------------------------ bad input: exit 3

def _assert_refused(proj: Project, args: list[str], cli_run, match: str) -> None:
    before = _files(proj)
    r = cli_run([*args, "--project", str(proj.root)])
    assert r.exit_code == 3, r.output
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and match in r.stderr, r.stderr
    assert _files(proj) == before, "nothing may be written"


def test_non_utf8_source_is_refused(tmp_path: Path, cli_run) -> None:
    proj = _copy(tmp_path / "p")
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("松江区先进制造业".encode("gb18030"))
    _assert_refused(proj, ["source", "add", str(bad), "--title", "x"], cli_run, "not valid UTF-8")


def test_duplicate_source_is_refused(tmp_path: Path, cli_run) -> None:
    proj = _copy(tmp_path / "p")
    _assert_refused(proj, ["source", "add", str(proj.seed), "--key", "again", "--title", "x",
                           "--file-name", "again.txt"], cli_run, "duplicate source")
    other = tmp_path / "other.txt"
    other.write_text("另一篇文章。", encoding="utf-8")
    _assert_refused(proj, ["source", "add", str(other), "--key", "songjiang-advanced-manufacturing",
                           "--title", "x"], cli_run, "duplicate source")


def test_checksum_mismatch_is_refused(tmp_path: Path, cli_run) -> None:
    proj = _copy(tmp_path / "p")
    add_bulletin(proj)
    doc = proj.data_dir / "seeds" / f"{KEY}.txt"
    doc.write_bytes(doc.read_bytes().replace("1725家".encode(), "1726家".encode()))
    _assert_refused(proj, ["build"], cli_run, "checksum mismatch")


def test_quote_not_in_its_source_is_refused(tmp_path: Path, cli_run) -> None:
    proj = _copy(tmp_path / "p")
    add_bulletin(proj)
    facts = proj.facts_dir / KEY / "facts.ttl"
    # words of the article, quoted in the bulletin's facts: they resolve only in their own source
    facts.write_text(facts.read_text(encoding="utf-8").replace(
        '"在洞泾镇正式投产"', '"顺利匹配到洞泾镇"'), encoding="utf-8")
    _assert_refused(proj, ["build"], cli_run, f"not found in seed (source '{KEY}'")


def test_fact_without_a_source_is_refused(tmp_path: Path, cli_run) -> None:
    proj = _copy(tmp_path / "p")
    (proj.facts_dir / "no-such-source").mkdir()
    shutil.copy2(FIXTURE / KEY / "facts.ttl", proj.facts_dir / "no-such-source" / "facts.ttl")
    _assert_refused(proj, ["build"], cli_run, "facts without a source")


def test_registry_errors_carry_a_line(tmp_path: Path) -> None:
    proj = _copy(tmp_path / "p")
    reg = proj.data_dir / "seeds" / "sources.toml"
    reg.write_text(reg.read_text(encoding="utf-8") + '\n[[source]]\nkey = "Bad Key"\n',
                   encoding="utf-8")
    with pytest.raises(InputError) as exc:
        sources.load(proj)
    assert exc.value.line is not None and "missing" in exc.value.message


def test_literal_values_compare_as_values() -> None:
    a = statistics.Value(URIRef(ID + "observation/x"), Literal("3726.3", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#decimal")), None, ["a"])
    b = statistics.Value(URIRef(ID + "observation/y"), Literal("3726.30", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#decimal")), None, ["b"])
    assert not statistics.Statistic((None,), [a, b]).conflict


# ------------------------------------------------------------------------ the first source re-read

def _built_graph(real_project: Project) -> Graph:
    return Graph().parse(real_project.built_graph)


def test_presenters_are_not_organizers(real_project: Project) -> None:
    g = _built_graph(real_project)
    schema = "https://schema.org/"
    for event, presenter in (("event/b03", "org/上海市经信委"), ("event/b04", "org/国网松江供电公司")):
        node = URIRef(ID + event)
        assert (node, URIRef(schema + "performer"), URIRef(ID + presenter)) in g
        assert (node, URIRef(schema + "organizer"), None) not in g


def test_first_appearance_says_whose(real_project: Project) -> None:
    g = _built_graph(real_project)
    kg = "https://w3id.org/kgtool/def/"
    for event in g.subjects(URIRef(kg + "firstAppearance"), None):
        assert g.value(event, URIRef(kg + "firstAppearanceOf")) == URIRef(ID + "place/松江区")


def test_misprint_is_kept_and_explained(real_project: Project) -> None:
    g = _built_graph(real_project)
    doc = URIRef(ID + "document/2025-07-22-区委意见")
    labels = {(str(x), x.language) for x in g.objects(doc, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))}
    assert any("千字当头" in t and lang == "zh-Hans" for t, lang in labels)      # as printed
    notes = [str(n) for n in g.objects(doc, URIRef("http://www.w3.org/2004/02/skos/core#note"))
             if n.language == "en"]
    assert any("千字当头" in n and "干字当头" in n and "misprint" in n for n in notes)


def test_one_english_name_per_thing(real_project: Project) -> None:
    """The English for 科技影都 and 专精特新 is the same wherever it is used."""
    g = _built_graph(real_project)
    english = [str(o) for o in g.objects() if isinstance(o, Literal) and o.language == "en"]
    film = {m for t in english for m in re.findall(r"[\w-]+ (?:and Technology )?Film City", t)}
    assert film == {"Science and Technology Film City"}, film
    chain = {m.lower() for t in english for m in re.findall(r"chain[- ]lead\w*", t, re.I)}
    assert chain == {"chain-leader"}, chain                                   # 链主
    srdi = [t for t in english if "specialised" in t.lower()]
    assert srdi and all("specialised, refined, distinctive and innovative" in t for t in srdi), srdi


def test_notes_became_facts(real_project: Project) -> None:
    g = _built_graph(real_project)
    kg = "https://w3id.org/kgtool/def/"
    assert g.value(URIRef(ID + "group/b01"), URIRef(kg + "batchOrdinal")).toPython() == 1   # 首批
    levels = set(g.objects(URIRef(ID + "observation/b01"), URIRef(kg + "recognitionLevel")))
    assert levels == {URIRef(ID + "concept/国家级"), URIRef(ID + "concept/市级")}
    approval = URIRef(ID + "event/b01")
    assert str(g.value(approval, URIRef(kg + "durationBefore"))) == "数月等待"
    assert str(g.value(approval, URIRef(kg + "durationAfter"))) == "P1D"
    services = set(g.objects(URIRef(ID + "place/航空前置货站"), URIRef(kg + "offersService")))
    assert len(services) == 3


def test_remaining_notes_became_facts(real_project: Project) -> None:
    """文旅商体展联动, 政府搭台、企业唱戏, 上下游对接 and 细分领域的战略支点 are statements, not notes."""
    g = _built_graph(real_project)
    kg = "https://w3id.org/kgtool/def/"
    note = URIRef("http://www.w3.org/2004/02/skos/core#note")
    promotes, role = URIRef(kg + "promotes"), URIRef(kg + "industryRole")

    def label(node: URIRef) -> str:
        pref = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
        (zh,) = [str(x) for x in g.objects(node, pref) if x.language == "zh-Hans"]
        return zh

    film = URIRef(ID + "industry/文旅影视")
    assert {label(c) for c in g.objects(film, promotes)} == {"文旅商体展联动", "新消费场景"}
    visit = URIRef(ID + "event/b05")
    model = g.value(visit, URIRef(kg + "underMechanism"))
    assert (model, RDF.type, URIRef(kg + "Mechanism")) in g and "政府搭台、企业唱戏" in label(model)
    assert {label(c) for c in g.objects(visit, promotes)} == {"合作", "市场拓展"}
    demo = URIRef(ID + "event/2025-07-DemoWorld企业开放式创新创投大会")
    assert [label(c) for c in g.objects(demo, promotes)] == ["上下游企业对接"]
    broader = URIRef("http://www.w3.org/2004/02/skos/core#broader")
    for sub in ("industry/卫星互联网", "industry/智算服务"):
        node = URIRef(ID + sub)
        assert [label(c) for c in g.objects(node, role)] == ["引领产业升级的战略支点"]
        assert g.value(node, broader) == URIRef(ID + "industry/新一代信息技术")   # 细分领域
    for node in (film, visit, demo, URIRef(ID + "industry/卫星互联网"), URIRef(ID + "industry/智算服务")):
        assert not list(g.objects(node, note)), node
    for concept in {*g.objects(None, promotes), *g.objects(None, role), model}:
        assert g.value(concept, URIRef(kg + "sourceQuote")) is None           # shorthand is resolved
        assert g.value(concept, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")), concept
