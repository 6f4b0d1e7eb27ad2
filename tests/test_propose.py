"""kgtool propose on small inputs: statistics, periods, ranks, growth, approximations, events,
mentions (longest match), posts and people, verified quotes, determinism, bad input, the build's
review gate. Recall on the whole article is in test_propose_recall.py."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kgtool.errors import InputError
from kgtool.propose import Inputs, propose_text, render
from kgtool.propose import draft as draft_mod
from kgtool.propose import rules as rules_mod
from kgtool.propose.gazetteer import Name
from kgtool.propose.review import refuse_proposed
from kgtool.propose.source import SourceText
from kgtool.provenance import locate

from conftest import ROOT

NO_INPUTS = Inputs(None, None, None)


def _draft(text: str, published: str | None = "2025-12-20", names: list[Name] | None = None):
    rules = rules_mod.load()
    ctx = draft_mod.Context(names=names or [], published=dt.date.fromisoformat(published) if published else None,
                            source_key="t")
    return draft_mod.build(text, rules, ctx)


def _stats(d) -> dict[tuple[str, str, str | None], object]:
    return {p.value: p for p in d.proposals if p.kind == "statistic"}


def test_statistics_rank_growth_and_period() -> None:
    text = ("2024年,全区集聚规上工业企业1718家,连续三年稳居全市首位;实现规上工业总产值3726.3亿元,"
            "保持全市第二;三大先导产业(制造业部分)产值584.6亿元,同比增长13.9%,规模同样位列全市第二。")
    stats = _stats(_draft(text))
    firms = stats[("1718", "unit:NUM", "2024")]
    assert firms.props["kg:rank"] == ["1"] and firms.props["kg:consecutiveYears"] == ["3"]
    assert "kg:rankScope" not in firms.props      # 全市 needs the division data to name a place
    assert firms.props["kg:indicator"] == ["<concept/规上工业企业数量>"]
    output = stats[("3726.3", "kgunit:HundredMillionCNY", "2024")]
    assert output.props["kg:rank"] == ["2"]
    assert output.props["kg:indicator"] == ["<concept/规上工业总产值>"]
    pioneer = stats[("584.6", "kgunit:HundredMillionCNY", "2024")]
    assert pioneer.props["kg:indicator"] == ["<concept/三大先导产业(制造业部分)产值>"]
    assert pioneer.props["kg:rank"] == ["2"]
    growth = stats[("13.9", "unit:PERCENT", "2024")]
    assert growth.props["kg:growthOf"] == [f"<{pioneer.key}>"]
    assert growth.props["kg:comparisonBasis"] == ["<concept/同比>"]
    assert growth.props["kg:reportedValue"] == ['"同比增长13.9%"@zh-Hans']
    assert "kg:rank" not in growth.props


def test_approximations_and_relative_years() -> None:
    text = ("时尚消费品产业已培育50余家专精特新企业。今年7月,大会共发布创新需求超200项。"
            "全区集聚领域企业近3000家,今年新增专利授权超200项。去年全区新增企业12家。")
    stats = _stats(_draft(text, "2025-12-20"))
    assert stats[("50", "unit:NUM", None)].props["kg:approximation"] == ["kg:MoreThan"]
    assert stats[("200", "unit:NUM", "2025-07")].props["kg:dateWording"] == ['"今年7月"@zh-Hans']
    assert stats[("3000", "unit:NUM", "2025")].props["kg:approximation"] == ["kg:About"]
    assert ("12", "unit:NUM", "2024") in stats
    # without a publication date 今年 stays unresolved instead of guessed
    assert ("12", "unit:NUM", None) in _stats(_draft(text, None))


def test_a_stated_year_wins_and_undated_and_effect_cues() -> None:
    text = ("今年5月,松江在2026年巡展上亮相,组织30余家企业参展。作为1992年首个工业区,松江工业产值一度占全市七分之一。"
            "4月,货站落户综保区,通关效率提高30%。")
    stats = _stats(_draft(text, "2025-12-20"))
    assert ("30", "unit:NUM", "2026-05") in stats
    assert ("1/7", "unit:FRACTION", None) in stats
    assert ("30", "unit:PERCENT", None) in stats


def test_ordinals_formulas_and_years_are_not_values() -> None:
    stats = _stats(_draft("第六届委员会第九次全体会议召开,“1+7+20+X”体系,全球500强,2024年,一项项细算。"
                          "从近三年看,紧随两天培训班,4个百亿元级特色产业。"))
    assert list(stats) == [("4", "unit:NUM", None)]           # 百亿元级 is a class, not 100亿元


def test_scaled_units_and_areas() -> None:
    names = [_place("松江区", "place/松江区"),
             Name("上海市", "place/上海市", ("kg:Municipality",), "division", 0.8,
                  "https://w3id.org/kgtool/id/division/31", {"level": "province", "code": "31"})]
    text = ("松江区今年新引进产业人才约1.2万人。2024年,全区集聚规上工业企业1718家,连续三年稳居全市首位;"
            "实现规上工业总产值3726.3亿元,保持全市第二。上海市有35个。")
    stats = _stats(_draft(text, names=names))
    talent = stats[("12000", "unit:NUM", "2025")]
    assert talent.props["kg:reportedValue"] == ['"约1.2万人"@zh-Hans']
    firms = stats[("1718", "unit:NUM", "2024")]
    assert firms.props["sdmx-dimension:refArea"] == ["<place/松江区>"]      # 全区 = home district
    assert firms.props["kg:rankScope"] == ["<place/上海市>"]                # 全市 = its province
    output = stats[("3726.3", "kgunit:HundredMillionCNY", "2024")]
    assert output.props["sdmx-dimension:refArea"] == ["<place/松江区>"]     # not 全市 of the rank
    assert stats[("35", "unit:NUM", None)].props["sdmx-dimension:refArea"] == ["<place/上海市>"]


def test_dated_event() -> None:
    d = _draft("7月22日,中国共产党上海市松江区第六届委员会第九次全体会议召开。", "2025-08-01")
    events = [p for p in d.proposals if p.kind == "event"]
    assert [e.key for e in events] == ["event/2025-07-22-全体会议"]
    assert events[0].classes == ["kg:PlenarySession"]
    assert events[0].props["time:hasTime"] == ["<period/2025-07-22>"]
    assert events[0].props["kg:dateWording"] == ['"7月22日"@zh-Hans']


def _place(surface: str, key: str, short: bool = False, cls: str = "kg:District") -> Name:
    return Name(surface, key, (cls,), "division", 0.6 if short else 0.8,
                "https://w3id.org/kgtool/id/division/310117", {"level": "county", "code": "310117"},
                short=short)


def test_longest_match_and_short_forms() -> None:
    names = [_place("松江区", "place/松江区"), _place("松江", "place/松江区", short=True),
             Name("松江新城", "place/松江新城", ("kg:NewCity",), "graph", 0.9)]
    d = _draft("松江新城景观。松江正处于关键阶段。", names=names)
    keys = {p.key: p for p in d.proposals if p.kind in ("mention", "entity")}
    assert set(keys) == {"place/松江新城", "place/松江区"}
    assert [s.clean for s in keys["place/松江区"].spans] == ["松江正"]   # grown until unique
    # no false 松江区 inside 松江新城
    d2 = _draft("松江新城景观。", names=names)
    assert {p.key for p in d2.proposals} == {"place/松江新城"}


def test_posts_people_and_organisations() -> None:
    names = [_place("松江区", "place/松江区")]
    text = ("松江区召开会议。区委书记王华杰在会上指出,要加快发展。区投资促进服务中心负责人表示,将做好服务。"
            "今年3月,上海启明星云智能科技有限公司在洞泾镇投产。公司总经理李文涛表示,看好松江。")
    d = _draft(text, names=names)
    keys = {p.key: p for p in d.proposals}
    assert keys["person/王华杰"].props["org:holds"] == ["<post/松江区委书记>"]
    assert "post/松江区投资促进服务中心负责人" in keys
    assert "org/上海启明星云智能科技有限公司" in keys
    post = keys["post/上海启明星云智能科技有限公司总经理"]       # 公司 resolved to the company
    assert post.props["org:postIn"] == ["<org/上海启明星云智能科技有限公司>"]
    assert "person/李文涛" in keys


def test_every_quote_is_verified_against_the_source() -> None:
    text = Path(__file__).resolve().parents[1].joinpath(
        "seeds", "songjiang-advanced-manufacturing.txt").read_text(encoding="utf-8")
    d = _draft(text, "2025-01-01")
    assert len(d.proposals) > 40
    for p in d.proposals:
        for s in p.spans:
            assert text[s.start:s.end] == s.exact
            assert locate(text, s.clean) == s          # unique, at these very offsets


def test_page_break_words_are_joined() -> None:
    names = [Name("卫星数字工厂", "place/卫星数字工厂", ("kg:Facility",), "graph", 0.9)]
    text = "看!松江的卫星数字工\n\n厂,低轨卫星整装待发。"
    d = _draft(text, names=names)
    [p] = d.proposals
    assert p.spans[0].exact == "卫星数字工\n\n厂" and p.spans[0].clean == "卫星数字工厂"


def test_output_is_deterministic_and_parses() -> None:
    from rdflib import Graph

    text = "2024年,全区集聚规上工业企业1718家。7月22日,全体会议召开。"
    src = SourceText("t", "t.txt", text, dt.date(2025, 8, 1))
    one, two = render.turtle(propose_text(src, NO_INPUTS)), render.turtle(propose_text(src, NO_INPUTS))
    assert one == two
    g = Graph().parse(data=one, format="turtle")
    kg = "https://w3id.org/kgtool/def/"
    from rdflib import URIRef
    assert len(set(g.subjects(URIRef(kg + "reviewStatus"), URIRef(kg + "Proposed")))) >= 3


def test_review_gate_names_file_and_fact() -> None:
    from rdflib import Graph

    g = Graph().parse(data=render.turtle(_draft("2024年,全区集聚规上工业企业1718家。")), format="turtle")
    with pytest.raises(InputError) as err:
        refuse_proposed(g, "graph/facts/90-draft.ttl")
    assert err.value.exit_code == 3
    assert "graph/facts/90-draft.ttl" in str(err.value)
    assert re.search(r"fact <concept/规上工业企业数量> and \d+ more is an unreviewed proposal", str(err.value))
    refuse_proposed(Graph(), "empty.ttl")      # nothing proposed: no error


def test_build_refuses_a_draft_unless_asked(project_copy) -> None:
    import importlib

    build_mod = importlib.import_module("kgtool.build")
    root = project_copy.root
    words = ("回望近年来的发展轨迹,松江产业经济稳中向好、积厚成势。"
             "2024年,全区集聚规上工业企业1718家,连续三年稳居全市首位;")
    draft = render.turtle(_draft(words, "2025-01-01"))     # words of the seed: quotes resolve there
    (root / "graph" / "facts" / "90-draft.ttl").write_text(draft, encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_mod.assemble(project_copy)
    assert err.value.exit_code == 3
    assert "90-draft.ttl" in str(err.value) and "unreviewed proposal" in str(err.value)
    assembly = build_mod.assemble(project_copy, include_proposed=True)
    from rdflib import URIRef
    kg = "https://w3id.org/kgtool/def/"
    assert (None, URIRef(kg + "reviewStatus"), URIRef(kg + "Proposed")) in assembly.graph


def test_the_article_draft_builds_and_validates_with_include_proposed(project_copy, cli_run) -> None:
    """A whole draft is facts in the project's modelling: with --include-proposed the build
    resolves every quote and SHACL finds no violation (warnings are for the curator)."""
    root = project_copy.root
    out = root / "graph" / "facts" / "90-draft.ttl"
    made = cli_run(["propose", "songjiang-advanced-manufacturing", "--published", "2025",
                    "--project", str(root), "-o", str(out)])
    assert made.exit_code == 0, made.output
    refused = cli_run(["build", "--project", str(root), "-o", str(root / "out.ttl")])
    assert refused.exit_code == 3 and "90-draft.ttl" in refused.output
    built = cli_run(["build", "--project", str(root), "-o", str(root / "out.ttl"), "--include-proposed"])
    assert built.exit_code == 0, built.output[-2000:]
    assert (root / "out.ttl").is_file()


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"\xff\xfe\x00abc", "binary file"),
    ("松江".encode("gbk") + b"\xff", "not UTF-8"),
])
def test_bad_input_is_one_line_exit_3(tmp_path: Path, cli_run, content: bytes, message: str) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    result = cli_run(["propose", str(path)])
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert "Traceback" not in result.output


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path, cli_run) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:          # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)
    result = cli_run(["propose", str(path)])
    assert result.exit_code == 3
    assert result.output.count("\n") == 1 and "too large" in result.output


def test_missing_source_and_bad_date(tmp_path: Path, cli_run) -> None:
    assert cli_run(["propose", str(tmp_path / "nope.txt")]).exit_code == 3
    (tmp_path / "empty-ref").mkdir()
    (tmp_path / "b.txt").write_text("2024年,企业12家。", encoding="utf-8")
    wrong = cli_run(["propose", str(tmp_path / "b.txt"), "--reference", str(tmp_path / "empty-ref")])
    assert wrong.exit_code == 2 and "--reference" in wrong.output
    (tmp_path / "a.txt").write_text("2024年,企业12家。", encoding="utf-8")
    result = cli_run(["propose", str(tmp_path / "a.txt"), "--published", "yesterday"])
    assert result.exit_code == 2 and "invalid date" in result.output


def test_cli_writes_atomically_and_diffs(tmp_path: Path, cli_run) -> None:
    src = tmp_path / "a.txt"
    src.write_text("2024年,全区集聚规上工业企业1718家。2024年,全区新增企业77家。", encoding="utf-8")
    out = tmp_path / "d.ttl"
    assert cli_run(["propose", str(src), "-o", str(out), "--no-reference"]).exit_code == 0
    assert "kg:reviewStatus kg:Proposed" in out.read_text(encoding="utf-8")
    diff = cli_run(["propose", str(src), "--diff", "--no-reference"])
    assert diff.exit_code == 0
    assert "+ statistic 77 unit:NUM 2024" in diff.output
    assert "1718 unit:NUM 2024" not in diff.output.split("proposals add")[0]   # curated already


def test_a_registered_source_key(cli_run) -> None:
    result = cli_run(["propose", "songjiang-advanced-manufacturing", "--published", "2025"])
    assert result.exit_code == 0, result.output
    assert "sdmx-measure:obsValue 3726.3" in result.output
    assert "<event/2025-07-22-全体会议>" in result.output          # 7月22日 … 全体会议召开


def test_progress_is_reported_by_stage() -> None:
    seen: list[tuple[str, int, int]] = []
    src = SourceText("t", "t.txt", "2024年,企业12家。" * 1200, dt.date(2025, 1, 1))
    propose_text(src, NO_INPUTS, progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _, _ in seen]
    assert stages[0] == "mentions" and "statistics" in stages and "events" in stages
    assert ("statistics", 1200, 1200) in seen and ("statistics", 500, 1200) in seen


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    src = tmp_path / "a.txt"
    src.write_text("2024年,全区集聚规上工业企业1718家。", encoding="utf-8")
    exe = [sys.executable, "-m", "kgtool", "propose", str(src), "--no-reference", "--no-graph"]
    master, slave = pty.openpty()
    done = subprocess.run([*exe, "-o", str(tmp_path / "t.ttl")], stderr=slave, stdout=subprocess.DEVNULL,
                          timeout=120)
    os.close(slave)
    shown = os.read(master, 65536).decode("utf-8", "replace")
    os.close(master)
    assert done.returncode == 0 and "propose: statistics 1/1" in shown
    piped = subprocess.run([*exe, "-o", str(tmp_path / "p.ttl")], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "propose:" not in piped.stderr


def test_rules_are_data(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(rules_mod.RULES_DIR, folder)
    text = "2024年,全区新增生产设备300台。"
    ctx = draft_mod.Context(published=dt.date(2025, 1, 1))
    assert not _stats(draft_mod.build(text, rules_mod.load(folder), ctx))
    with (folder / "units.tsv").open("a", encoding="utf-8") as handle:
        handle.write("台\tunit:NUM\tcount\t1\tmachines\n")
    found = _stats(draft_mod.build(text, rules_mod.load(folder), ctx))
    assert list(found) == [("300", "unit:NUM", "2024")]


def test_malformed_rules_are_an_input_error(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(rules_mod.RULES_DIR, folder)
    (folder / "patterns.toml").write_text("[numbers\n", encoding="utf-8")
    with pytest.raises(InputError, match="malformed rules"):
        rules_mod.load(folder)


def test_industries_by_pattern() -> None:
    text = ("聚焦以智能终端、智算服务、卫星互联网为引领的新一代信息技术,以及先进材料、生命健康4个百亿元级特色产业。"
            "时尚消费品产业已培育企业。放眼上海产业版图,松江区两大主导产业已具备千亿级体量。")
    keys = {p.key for p in _draft(text).proposals if p.key.startswith("industry/")}
    assert keys == {"industry/智能终端", "industry/智算服务", "industry/卫星互联网", "industry/新一代信息技术",
                    "industry/先进材料", "industry/生命健康", "industry/时尚消费品"}


def test_a_registered_source_resolves_today_from_its_record(project_copy, cli_run) -> None:
    """今年 of a registered source comes from its record's `published` date, no option needed."""
    fixtures = Path(__file__).resolve().parent / "fixtures" / "sources"
    root = project_copy.root
    added = cli_run(["source", "add", str(fixtures / "songjiang-bulletin-2025.txt"),
                     "--metadata", str(fixtures / "songjiang-bulletin-2025.toml"), "--project", str(root)])
    assert added.exit_code == 0, added.output
    result = cli_run(["propose", "songjiang-bulletin-2025", "--project", str(root), "--no-reference"])
    assert result.exit_code == 0, result.output
    assert "Publication date used for relative dates: 2025-12-20." in result.output
    block = next(b for b in result.output.split("\n\n") if 'kg:reportedValue "超900亿元"' in b)
    assert "sdmx-dimension:refPeriod <period/2025>" in block and 'kg:dateWording "今年"@zh-Hans' in block


@pytest.mark.parametrize("given", ["2025", "2025-07", "2025-07-22"])
def test_the_draft_states_the_publication_date_as_precise_as_given(given: str, cli_run) -> None:
    """A year-only date is a year in the draft (it used to print as 2025-01-01, a day nobody
    gave); the article's registry record says published = "2025"."""
    args = ["propose", "songjiang-advanced-manufacturing", "--no-reference"]
    result = cli_run(args + ["--published", given], cwd=ROOT)
    assert result.exit_code == 0, result.output
    assert f"# Publication date used for relative dates: {given}.\n" in result.output
    registered = cli_run(args, cwd=ROOT)
    assert "# Publication date used for relative dates: 2025.\n" in registered.output
