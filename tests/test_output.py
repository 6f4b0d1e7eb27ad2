"""Result writers: exact W3C CSV/TSV, SPARQL JSON/XML, CJK-aware tables, language-tag case."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox

from kgtool import output

XSD = "http://www.w3.org/2001/XMLSchema#"
VARS = ["x", "label", "n", "note"]
ROWS = [
    [ox.NamedNode("https://w3id.org/kgtool/id/place/松江区"), ox.Literal("松江区", language="zh-hans"),
     ox.Literal("1718", datatype=ox.NamedNode(XSD + "integer")), ox.Literal('a "q", b\nc\td')],
    [ox.BlankNode("b0"), None, ox.Literal("2.5", datatype=ox.NamedNode(XSD + "decimal")),
     ox.Literal("2025-07-22", datatype=ox.NamedNode(XSD + "date"))],
]


def render(fmt: str) -> str:
    buf = io.StringIO(newline="")
    output.write_select(buf, fmt, VARS, ROWS, output.LangCase(), output.Prefixes())
    return buf.getvalue()


def test_csv_is_w3c_csv():
    assert render("csv") == (
        "x,label,n,note\r\n"
        "https://w3id.org/kgtool/id/place/松江区,松江区,1718,\"a \"\"q\"\", b\nc\td\"\r\n"
        "_:b0,,2.5,2025-07-22\r\n")


def test_tsv_is_w3c_tsv():
    assert render("tsv") == (
        "?x\t?label\t?n\t?note\n"
        "<https://w3id.org/kgtool/id/place/松江区>\t\"松江区\"@zh-Hans\t1718\t\"a \\\"q\\\", b\\nc\\td\"\n"
        "_:b0\t\t2.5\t\"2025-07-22\"^^<http://www.w3.org/2001/XMLSchema#date>\n")


def test_json_is_sparql_results_json():
    doc = json.loads(render("json"))
    assert doc["head"]["vars"] == VARS
    b = doc["results"]["bindings"]
    assert b[0]["label"] == {"type": "literal", "value": "松江区", "xml:lang": "zh-Hans"}
    assert b[0]["n"] == {"type": "literal", "value": "1718", "datatype": XSD + "integer"}
    assert b[0]["note"] == {"type": "literal", "value": 'a "q", b\nc\td'}
    assert b[1]["x"] == {"type": "bnode", "value": "b0"} and "label" not in b[1]


def test_jsonl_one_object_per_row():
    lines = render("jsonl").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["n"]["value"] == "2.5"


def test_xml_is_sparql_results_xml():
    root = ET.fromstring(render("xml"))
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert [v.get("name") for v in root.findall("s:head/s:variable", ns)] == VARS
    lit = root.find("s:results/s:result/s:binding[@name='label']/s:literal", ns)
    assert lit.text == "松江区" and lit.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"


def test_table_aligns_cjk_double_width():
    text = render("table")
    lines = text.splitlines()
    widths = {output.display_width(line) for line in lines}
    assert len(widths) == 1, lines          # every line as wide as the others on a terminal
    assert '"松江区"@zh-Hans' in text and "1718" in text and "_:b0" in text
    assert "| <place/松江区> " in text          # things relative to …/id/, as under @base


def test_display_width():
    assert output.display_width("松江区") == 6
    assert output.display_width("abc") == 3
    assert output.display_width("é") == 1 and output.display_width("e\u0301") == 1


def test_langcase_restores_seen_tags_and_bcp47_case():
    lc = output.LangCase()
    assert lc("zh-hans") == "zh-Hans"
    assert lc("en-us") == "en-US" and lc("sr-latn-rs") == "sr-Latn-RS" and lc("en") == "en"
    lc.add_from_text('"x"@de-CH-1996 "y"@en-GB-oxendict')
    assert lc("de-ch-1996") == "de-CH-1996" and lc("en-gb-oxendict") == "en-GB-oxendict"


def test_ask_formats():
    buf = io.StringIO()
    output.write_ask(buf, "json", True)
    assert json.loads(buf.getvalue()) == {"head": {}, "boolean": True}
