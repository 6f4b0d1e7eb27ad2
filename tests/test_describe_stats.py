"""`kgtool stats` and `kgtool describe`."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kgtool.cli import cli

FIX = Path(__file__).parent / "fixtures" / "query"
SMALL, PROV = str(FIX / "small.ttl"), str(FIX / "prov.ttl")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_stats_counts_and_verifies_provenance():
    r = invoke("stats", "--data", PROV, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = {tuple(line.split(",")[:2]): line.split(",")[2] for line in r.stdout.splitlines()[1:]}
    assert rows[("triples", "all")] == "27"
    assert rows[("class", "https://w3id.org/kgtool/def/District")] == "1"
    assert rows[("property", "http://www.w3.org/ns/oa#exact")] == "2"
    assert rows[("source", "https://w3id.org/kgtool/id/source/s")] == "1"
    assert rows[("provenance", "fact nodes")] == "2"
    # the span quoting 北京市 at [0,3) is not the text there (上海市): not verified
    assert rows[("provenance", "with verified provenance")] == "1"
    assert rows[("provenance", "verified share")] == "0.5000"


def test_stats_formats():
    doc = json.loads(invoke("stats", "--data", SMALL, "--format", "json").stdout)
    assert doc["head"]["vars"] == ["section", "item", "value"]
    assert "kg:District" in invoke("stats", "--data", SMALL, "--format", "table").stdout


def test_describe_by_label_iri_key_and_prefixed_name():
    for term in ("松江区", "songjiang district", "place/松江区",
                 "https://w3id.org/kgtool/id/place/松江区", "<https://w3id.org/kgtool/id/place/松江区>"):
        r = invoke("describe", term, "--data", PROV)
        assert r.exit_code == 0, (term, r.output)
        assert r.stdout.startswith("松江区 · Songjiang District\n<https://w3id.org/kgtool/id/place/松江区>")
    r = invoke("describe", "kg:District", "--data", SMALL)
    assert r.exit_code == 0 and "kg:District" in r.stdout


def test_describe_sheet_has_groups_and_source_offsets():
    text = invoke("describe", "松江区", "--data", PROV).stdout
    assert "type: kg:District" in text
    assert "properties" in text and '"Songjiang District"@en' in text
    assert "[3, 6)  “松江区”" in text
    text = invoke("describe", "松江区", "--data", SMALL).stdout
    assert "referenced by" in text and "洞泾镇" in text
    doc = json.loads(invoke("describe", "松江区", "--data", PROV, "--format", "json").stdout)
    assert doc["sources"] == [{"start": 3, "end": 6, "exact": "松江区"}]
    assert doc["types"] == ["https://w3id.org/kgtool/def/District"]
    ttl = invoke("describe", "松江区", "--data", PROV, "--format", "turtle").stdout
    assert '"松江区"@zh-Hans' in ttl


def test_ambiguous_label_lists_candidates_exit_2():
    r = invoke("describe", "松江区经委", "--data", SMALL)
    assert r.exit_code == 2
    assert "names 2 things" in r.stderr
    assert "org/区经委" in r.stderr and "org/松江区经委" in r.stderr
    assert r.stderr.count("\n") == 1   # errors are one line


def test_unknown_term_exit_3():
    r = invoke("describe", "不存在的东西", "--data", SMALL)
    assert r.exit_code == 3 and r.stderr.startswith("error: describe: nothing")


def test_stats_counts_reference_dataset_provenance(tmp_path):
    data = tmp_path / "ref.ttl"
    data.write_text(
        "@prefix void: <http://rdfs.org/ns/void#> .\n@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@base <https://w3id.org/kgtool/id/> .\n"
        "<dataset/codes> a void:Dataset .\n"
        "<scheme/codes/40> a skos:Concept ; prov:wasDerivedFrom <dataset/codes> .\n"
        "<scheme/codes/41> a skos:Concept .\n", encoding="utf-8")
    r = invoke("stats", "--data", str(data), "--format", "csv")
    rows = {tuple(line.split(",")[:2]): line.split(",")[2] for line in r.stdout.splitlines()[1:]}
    assert rows[("source", "https://w3id.org/kgtool/id/dataset/codes")] == "1"
    assert rows[("provenance", "fact nodes")] == "2"          # the dataset node is not a fact
    assert rows[("provenance", "with verified provenance")] == "1"


def _printed_forms(query: str) -> set[str]:
    """Every way `kgtool query` prints the IRIs a query returns: table cells, TSV terms, CSV
    values, JSON values (issue #9: `describe '<person/王华杰>'` was an internal error)."""
    forms: set[str] = set()
    table = invoke("query", query, "--data", SMALL, "--format", "table").stdout
    forms |= {c.strip() for line in table.splitlines()[3:-1] for c in line.strip("|").split("|")}
    forms |= set(invoke("query", query, "--data", SMALL, "--format", "tsv").stdout.splitlines()[1:])
    forms |= set(invoke("query", query, "--data", SMALL, "--format", "csv").stdout.splitlines()[1:])
    doc = json.loads(invoke("query", query, "--data", SMALL, "--format", "json").stdout)
    forms |= {b["s"]["value"] for b in doc["results"]["bindings"]}
    return {f for f in forms if f and not f.startswith("+")}


def test_every_printed_iri_form_is_accepted_back_by_describe_and_query():
    query = "SELECT ?s WHERE { ?s a kg:Town }"
    forms = _printed_forms(query)
    iri = "https://w3id.org/kgtool/id/place/洞泾镇"
    assert {"<place/洞泾镇>", f"<{iri}>", iri} <= forms, forms
    for form in sorted(forms):
        r = invoke("describe", form, "--data", SMALL, "--format", "json")
        assert r.exit_code == 0 and json.loads(r.stdout)["iri"] == iri, (form, r.output)
        value = form if form.startswith("<") else f"<{form}>"
        r = invoke("query", "SELECT ?s ?l WHERE { ?s skos:prefLabel ?l }", "--data", SMALL,
                   "--param", f"s={value}", "--format", "csv")
        assert r.exit_code == 0 and "洞泾镇" in r.stdout, (form, r.output)
        if form.startswith("<"):   # pasted into query text
            r = invoke("query", f"ASK {{ {form} a kg:Town }}", "--data", SMALL, "--format", "csv")
            assert r.exit_code == 0 and "true" in r.stdout, (form, r.output)


def test_describe_a_label_shared_with_reference_records_means_our_thing(tmp_path):
    data = tmp_path / "shared-label.ttl"
    data.write_text(Path(SMALL).read_text(encoding="utf-8") + """
<https://w3id.org/kgtool/id/division/310117> <http://www.w3.org/2004/02/skos/core#prefLabel> "松江区"@zh-Hans .
<http://www.wikidata.org/entity/Q662380> <http://www.w3.org/2000/01/rdf-schema#label> "松江区"@zh-Hans .
""", encoding="utf-8")
    r = invoke("describe", "松江区", "--data", str(data), "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["iri"] == "https://w3id.org/kgtool/id/place/松江区"
    r = invoke("describe", "div:310117", "--data", str(data), "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["iri"].endswith("/division/310117")


def test_select_star_columns_in_order_of_appearance():
    r = invoke("query", "SELECT * WHERE { ?s a kg:Town ; skos:prefLabel ?label . ?s ?p ?o } LIMIT 1",
               "--data", SMALL, "--format", "tsv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "?s\t?label\t?p\t?o"
