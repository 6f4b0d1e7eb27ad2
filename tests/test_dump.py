"""`kgtool dump`: gzipped N-Quads parts per graph, no blank nodes, manifest with counts and
checksums, load recipes; the same data gives the same bytes. (Loading a dump into Virtuoso with
its bulk loader: tests/test_virtuoso.py::test_bulk_load_of_a_dump.)"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgtool.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "query" / "small.ttl"
BNODES = """@prefix ex: <http://example.org/> .
ex:a ex:label "松江"@zh-Hans ; ex:b [ ex:c "x" ; ex:d [ ex:e 1 ] ] ; ex:list ( ex:x ex:y ) .
ex:z ex:ref ex:a .
"""


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def _quads(d: Path) -> list[str]:
    return [line for p in sorted(d.glob("*.nq.gz"))
            for line in gzip.decompress(p.read_bytes()).decode("utf-8").splitlines()]


def _store(tmp_path: Path, name: str, reverse: bool) -> Path:
    """The same content, written in another order (other blank-node labels when loaded)."""
    import pyoxigraph as ox

    from kgtool import store as ks

    lines = sorted(str(t) + " .\n" for t in ox.parse(BNODES.encode(), format=ox.RdfFormat.TURTLE))
    src = tmp_path / f"{name}.nt"
    src.write_text("".join(reversed(lines) if reverse else lines), encoding="utf-8")
    d = tmp_path / name
    ks.load_files(d, [str(src)], graph="https://w3id.org/kgtool/graph/test")
    ks.load_files(d, [str(SMALL)], graph="https://w3id.org/kgtool/graph/source/small")
    return d


def test_store_dump_is_deterministic_has_no_blank_nodes_and_matches_its_manifest(tmp_path):
    from kgtool import dump as dm

    a, b = tmp_path / "a", tmp_path / "b"
    ma = dm.dump(a, store_dir=_store(tmp_path, "s1", False), part_size=10)
    dm.dump(b, store_dir=_store(tmp_path, "s2", True), part_size=10)
    fa, fb = _files(a), _files(b)
    assert fa.pop("virtuoso-load.sql").replace(str(a.resolve()).encode(), b"D") == \
        fb.pop("virtuoso-load.sql").replace(str(b.resolve()).encode(), b"D")
    assert fa == fb                                    # same content -> same bytes
    assert dm.verify(a) == ma
    quads = _quads(a)
    assert len(quads) == ma["triples"] == sum(g["triples"] for g in ma["graphs"].values())
    assert not any("_:" in q.split('"', 1)[0] for q in quads)
    assert any("/.well-known/genid/" in q for q in quads)
    assert all(q.endswith("> .") and q.count(" <https://w3id.org/kgtool/graph/") == 1
               or q.rsplit(" ", 2)[-2].startswith("<https://w3id.org/kgtool/graph/") for q in quads)
    small = ma["graphs"]["https://w3id.org/kgtool/graph/source/small"]
    assert len(small["files"]) >= 3 and small["files"][0] == "source-small.0001.nq.gz"
    for f in ma["files"]:
        assert f["triples"] <= 10
        raw = (a / f["path"]).read_bytes()
        assert raw[4:8] == b"\0\0\0\0"                  # gzip mtime 0
    assert '"松江"@zh-Hans' in "\n".join(quads)          # tags as the file wrote them
    sql = (a / "virtuoso-load.sql").read_text(encoding="utf-8")
    assert f"ld_dir('{a.resolve()}', '*.nq.gz'" in sql and "rdf_loader_run();" in sql
    qf = (a / "Qleverfile").read_text(encoding="utf-8")
    assert "FORMAT = nq" in qf and '"for-each": "*.nq.gz"' in qf
    assert f"{ma['triples']} triples" in qf
    # A corrupted part is found by --check (exit 3); an existing dump is never overwritten.
    first = a / ma["files"][0]["path"]
    raw = bytearray(first.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    first.write_bytes(bytes(raw))
    r = CliRunner().invoke(cli, ["dump", str(a), "--check"])
    assert r.exit_code == 3 and "checksum" in r.output
    again = CliRunner().invoke(cli, ["dump", str(a), "--store", str(tmp_path / "s1")])
    assert again.exit_code == 2 and "already holds a dump" in again.output


def test_project_dump_has_one_graph_per_source(real_project, tmp_path):
    from kgtool import dump as dm
    import kgtool.export as ex

    r = CliRunner().invoke(cli, ["dump", str(tmp_path / "d"), "--project", str(real_project.root)])
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text(encoding="utf-8"))
    parts = ex.collect(real_project, "all")
    assert set(manifest["graphs"]) == {p.iri for p in parts}
    for p in parts:
        assert manifest["graphs"][p.iri]["triples"] == len(p.graph)
    quads = _quads(tmp_path / "d")
    assert not any("_:" in q.split('"', 1)[0] for q in quads)
    dm.verify(tmp_path / "d")


def test_default_graph_needs_a_name(tmp_path):
    from kgtool import dump as dm
    from kgtool import store as ks
    from kgtool.errors import UsageError

    d = tmp_path / "st"
    ks.load_files(d, [str(SMALL)], default_graph=True)
    with pytest.raises(UsageError, match="--graph"):
        dm.dump(tmp_path / "out", store_dir=d)
    m = dm.dump(tmp_path / "out", store_dir=d, default_graph="https://w3id.org/kgtool/graph/x")
    assert "https://w3id.org/kgtool/graph/x" in m["graphs"]
    assert m["graphs"]["https://w3id.org/kgtool/graph/x"]["triples"] == dict(ks.graphs(d))[""]
