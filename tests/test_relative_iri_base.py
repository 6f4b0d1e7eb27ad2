"""A file with relative IRIs and no @base resolves them against the file itself (RDF 1.1: the
document's location is its base), on the pyoxigraph readers as on rdflib's: `query --data` and
`export --data` agree on the IRIs instead of one refusing what the other reads."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kgtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgtool", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_relative_iris_resolve_against_the_file(tmp_path: Path) -> None:
    doc = tmp_path / "rel.ttl"
    doc.write_text('<a> <b> "x" .\n', encoding="utf-8")
    base = doc.resolve().as_uri().rsplit("/", 1)[0] + "/"
    q = kgtool("query", "--data", str(doc), "--format", "tsv", "SELECT ?s WHERE { ?s ?p ?o }")
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines()[1] == f"<{base}a>"
    e = kgtool("export", "--data", str(doc), "--format", "nt")
    assert e.returncode == 0, e.stderr
    assert f'<{base}a> <{base}b> "x" .' in e.stdout
