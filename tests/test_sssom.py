"""graph/links.sssom.tsv as the SSSOM tooling reads it: `sssom validate` and sssom-py's parser keep
every mapping, the set metadata is complete, and every CURIE expands to the IRI of graph/links.ttl.

sssom-py runs in the peer venv (scripts/peers.sh), never as a kgtool dependency. It drops rows whose
CURIEs it cannot read and still exits 0, so the tests count the rows instead of trusting the exit code.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from rdflib import URIRef

from kgtool import link as lk
from kgtool.io import parse_rdf
from kgtool.link.write import sssom_curie

ROOT = Path(__file__).resolve().parent.parent
TSV = ROOT / "graph" / lk.LINKS_SSSOM
TTL = ROOT / "graph" / lk.LINKS_TTL
OWL = "http://www.w3.org/2002/07/owl#"

PARSE = r"""
import json, logging, sys
from click.testing import CliRunner
from sssom.cli import main
from sssom.parsers import parse_sssom_table

# `sssom validate FILE`, the command line as users run it, in this process (one import of sssom)
logs = []
handler = logging.Handler()
handler.emit = lambda record: logs.append(record.getMessage())
logging.getLogger().addHandler(handler)
run = CliRunner().invoke(main, ["validate", sys.argv[1]])
validate = {"exit": run.exit_code, "output": run.output, "logs": logs[:]}
logs.clear()
msdf = parse_sssom_table(sys.argv[1])
conv = msdf.converter
rows = []
for rec in msdf.df.to_dict(orient="records"):
    rows.append({k: conv.expand(rec[k]) or rec[k] for k in ("record_id", "subject_id", "predicate_id", "object_id")})
meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in msdf.metadata.items()}
print(json.dumps({"validate": validate, "rows": rows, "meta": meta, "parse_logs": logs}, default=str))
"""


def _data_rows(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln and not ln.startswith("#")][1:]


@pytest.fixture(scope="module")
def parsed(peers_venv: Path) -> dict:
    r = subprocess.run([str(peers_venv / "bin" / "python"), "-c", PARSE, str(TSV)],
                       capture_output=True, text=True, timeout=300, cwd=peers_venv)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_sssom_validate_keeps_every_mapping(parsed: dict) -> None:
    v = parsed["validate"]
    assert v["exit"] == 0, v
    assert not any("not well-formed" in m or "not a valid" in m for m in v["logs"]), v["logs"][:3]
    assert "not well-formed" not in v["output"]


def test_parser_keeps_all_rows_and_they_are_the_link_nodes(parsed: dict) -> None:
    assert not any("not well-formed" in m for m in parsed["parse_logs"]), parsed["parse_logs"][:3]
    rows = parsed["rows"]
    g = parse_rdf(TTL)
    axioms = set(g.subjects(URIRef(OWL + "annotatedSource")))
    assert len(rows) == len(_data_rows(TSV)) == len(axioms) == 22
    for row in rows:
        iri = {k: unquote(v) for k, v in row.items()}   # the URI form back to our IRI (RFC 3987)
        assert all(v.startswith(("http://", "https://")) for v in iri.values()), row
        node = URIRef(iri["record_id"])
        assert node in axioms, iri
        assert (node, URIRef(OWL + "annotatedSource"), URIRef(iri["subject_id"])) in g
        assert (node, URIRef(OWL + "annotatedProperty"), URIRef(iri["predicate_id"])) in g
        assert (node, URIRef(OWL + "annotatedTarget"), URIRef(iri["object_id"])) in g
        assert (URIRef(iri["subject_id"]), URIRef(iri["predicate_id"]), URIRef(iri["object_id"])) in g


def test_mapping_set_metadata_is_complete(parsed: dict) -> None:
    meta = parsed["meta"]
    for key in ("mapping_set_id", "mapping_set_version", "mapping_set_title", "mapping_set_description",
                "license", "creator_id", "creator_label", "publication_date"):
        assert meta.get(key), key
    assert meta["license"].startswith("https://creativecommons.org/licenses/")
    assert meta["mapping_set_version"] == meta["publication_date"] == lk.committed_date(TSV)


def test_curies_are_ascii_and_round_trip() -> None:
    for line in _data_rows(TSV):
        cells = line.split("\t")
        for i in (0, 1, 3, 4, 6):
            assert cells[i].isascii(), cells[i]
    assert sssom_curie("https://w3id.org/kgtool/id/place/松江区") == "kgid:place/%E6%9D%BE%E6%B1%9F%E5%8C%BA"
    assert sssom_curie("https://w3id.org/kgtool/id/division/310117") == "div:310117"
