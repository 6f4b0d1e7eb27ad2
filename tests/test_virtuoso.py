"""Integration test against a real triple store: Virtuoso 7 from Debian's archive, on 127.0.0.1.

The session fixture runs `scripts/virtuoso.sh start` (installs the package when `virtuoso-t` is
missing, starts a fresh instance on free loopback ports) and stops it by PID in a finalizer,
whatever happens. When the server cannot be installed (not root, no package archive: the script
exits 77) the tests are skipped with the script's reason, except under CI=true, where that is a
failure: CI runs as root with the archive reachable, so a skip there would hide a broken setup.

The push tests cut the connection mid-way through a proxy (`DroppingProxy`) and check that the
old graph survives and the same command resumes: a 10k-triple case always, the 450k-triple case
(article + NBS divisions size) with KGTOOL_SCALE_TESTS=1. `test_bulk_load_of_a_dump` loads a
`kgtool dump` with Virtuoso's bulk loader (isql-vt, ld_dir, rdf_loader_run).

Answers are compared as RDF values: Virtuoso lower-cases language tags and rewrites the lexical
form of numbers (research/sparql-server.md, quirks 10-11), so `"2.50"` and `"2.5"` are equal.
"""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "virtuoso.sh"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                             "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
                             "nonPositiveInteger", "unsignedInt", "unsignedLong")}
GRAPH = "https://w3id.org/kgtool/graph/test-virtuoso"


@pytest.fixture(scope="session")
def virtuoso() -> Iterator[dict[str, str]]:
    """A running Virtuoso: VT_PID, VT_DIR, VT_HTTP_PORT, VT_SQL_PORT, VT_ENDPOINT."""
    try:
        proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True,
                              timeout=600)
    except FileNotFoundError as exc:  # no bash
        proc = subprocess.CompletedProcess([], 77, "", f"cannot run the script: {exc}")
    if proc.returncode == 77:
        reason = ("Virtuoso cannot be installed here: "
                  + (proc.stderr.strip().splitlines() or ["?"])[-1])
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} -- but CI=true, where it must run (root, archive reachable)")
        pytest.skip(reason)
    info = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    if proc.returncode != 0 or "VT_PID" not in info:
        if info.get("VT_PID"):
            subprocess.run(["bash", str(SCRIPT), "stop"], env={**os.environ, **info},
                           capture_output=True, timeout=60)
        pytest.fail(f"scripts/virtuoso.sh start failed ({proc.returncode}): {proc.stderr[-2000:]}")
    try:
        yield info
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env={**os.environ, "VT_PID": info["VT_PID"]},
                       capture_output=True, timeout=60)
        try:
            os.kill(int(info["VT_PID"]), 0)
        except ProcessLookupError:
            pass
        else:  # still there after stop's own SIGKILL fallback: make sure
            os.kill(int(info["VT_PID"]), 9)


def _kgtool(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if args[0] == "push" and "--data" not in args and "--store" not in args:
        # The committed graph file, explicitly: never a rebuild of a stale graph mid-test.
        args = [*args, "--data", str(ROOT / "graph" / "songjiang.ttl")]
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    for k in ("KGTOOL_ENDPOINT_USER", "KGTOOL_ENDPOINT_PASSWORD", "KGTOOL_ENDPOINT_TOKEN",
              "KGTOOL_DEBUG", "KGTOOL_STORE"):
        if env is None or k not in env:
            full.pop(k, None)
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def value(term: Any) -> tuple[Any, ...] | None:
    """An RDF term as a comparable value: numbers by value, tags case-insensitively."""
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return ("iri", term.value)
    if kind == "BlankNode":
        return ("bnode",)
    if term.language:
        return ("lang", term.value, term.language.lower())
    dt = term.datatype.value
    if dt in NUMERIC:
        try:
            return ("num", round(Decimal(term.value), 9))
        except InvalidOperation:
            return ("num", term.value)
    if dt == XSD + "boolean":
        return ("bool", term.value in ("true", "1"))
    return ("lit", term.value, dt)


def rows_of(result: Any) -> list[tuple[Any, ...]]:
    if isinstance(result, bool):
        return [("ask", result)]
    if isinstance(result, list):  # triples
        return sorted((value(t.subject), value(t.predicate), value(t.object)) for t in result)
    names = [v.value for v in result.variables]
    return sorted((tuple(value(s[n]) for n in names) for s in result), key=repr)


@pytest.fixture(scope="session")
def pushed(virtuoso: dict[str, str]) -> Iterator[dict[str, str]]:
    """The built graph pushed (by the CLI, GSP) into GRAPH; deleted afterwards."""
    base = f"http://127.0.0.1:{virtuoso['VT_HTTP_PORT']}"
    proc = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", GRAPH])
    assert proc.returncode == 0, proc.stderr
    assert "verified" in proc.stdout
    try:
        yield {**virtuoso, "BASE": base}
    finally:
        _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", GRAPH, "--delete"])


def test_every_competency_query_gives_the_local_answer(pushed: dict[str, str],
                                                       real_project: Any) -> None:
    from kgtool import query as q
    from kgtool import remote, sparql_policy
    from kgtool.namespaces import PREFIXES

    store, _, union = q.load_store(q.default_sources(real_project, rebuild=False))
    names = sorted(p.stem for p in (ROOT / "kgtool" / "queries").glob("cq*.rq"))
    assert len(names) >= 10
    for name in names:
        text = (ROOT / "kgtool" / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        form = sparql_policy.analyse(text).form
        local = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
        if form in ("CONSTRUCT", "DESCRIBE"):
            local = list(local)
        elif form == "ASK":
            local = bool(local)
        remote_result = remote.query_endpoint(pushed["VT_ENDPOINT"], text, form,
                                              default_graphs=[GRAPH], timeout=60)
        assert rows_of(remote_result) == rows_of(local), f"{name}: remote and local answers differ"


def test_named_query_through_the_cli(pushed: dict[str, str]) -> None:
    local = _kgtool(["query", "cq01", "--format", "tsv", "--data",
                     str(ROOT / "graph" / "songjiang.ttl")])
    remote_run = _kgtool(["query", "--endpoint", pushed["VT_ENDPOINT"], "--graph", GRAPH,
                          "cq01", "--format", "tsv"])
    assert remote_run.returncode == 0, remote_run.stderr
    assert local.stdout.splitlines()[0] == remote_run.stdout.splitlines()[0]
    assert len(local.stdout.splitlines()) == len(remote_run.stdout.splitlines())
    # Tag case restored on output (Virtuoso answered zh-hans).
    if "@zh-" in local.stdout:
        assert "@zh-Hans" in remote_run.stdout


UPDATE_DATA = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:label "松江"@zh-Hans , "Songjiang"@en ; ex:value 2.50 , "1e3"^^xsd:double ;
     ex:flag true ; ex:blank [ ex:inner "x" ; ex:more [ ex:deep 1 ] ] .
"""


def test_push_is_idempotent_and_update_fallback_matches(pushed: dict[str, str],
                                                       tmp_path: Path) -> None:
    from kgtool import push as pu
    from kgtool import remote

    base = pushed["BASE"]
    first = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", GRAPH])
    assert first.returncode == 0, first.stderr
    assert first.stdout == _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso",
                                    "--graph", GRAPH]).stdout  # twice: the same state
    # The built graph has xsd:duration values, which Virtuoso's Update cannot take: refused
    # before anything is sent, with the way out.
    refused = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph",
                       GRAPH + "-x", "--method", "update"])
    assert refused.returncode == 2 and "--method gsp" in refused.stderr
    # The Update path (batches, skolemized blank nodes) on data it can carry.
    data = tmp_path / "upd.ttl"
    data.write_text(UPDATE_DATA, encoding="utf-8")
    g2 = GRAPH + "-update"
    sent = 9
    for _ in range(2):  # idempotent: DROP SILENT GRAPH first
        upd = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", g2,
                       "--data", str(data), "--method", "update", "--batch", "2"])
        assert upd.returncode == 0, upd.stderr
        assert f": {sent} triples by update, verified {sent}" in upd.stdout
    got = remote.query_endpoint(pushed["VT_ENDPOINT"], "SELECT ?o WHERE { ?s <http://example.org/"
                                "label> ?o }", "SELECT", default_graphs=[g2])
    assert sorted(value(r["o"]) for r in got) == [("lang", "Songjiang", "en"),
                                                  ("lang", "松江", "zh-hans")]
    target = pu.Target(base, "virtuoso", remote.Auth())
    assert pu.count_graph(target, g2, remote.Auth(), 30, None) == sent
    dele = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", g2, "--delete",
                    "--method", "update"])
    assert dele.returncode == 0, dele.stderr
    assert pu.count_graph(target, g2, remote.Auth(), 30, None) == 0


def test_digest_auth_endpoint(pushed: dict[str, str]) -> None:
    """Virtuoso's -auth endpoints use Digest: right password works, wrong one is exit 6."""
    base = pushed["BASE"]
    g3 = GRAPH + "-digest"
    ok = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", g3, "-v"],
                 env={"KGTOOL_ENDPOINT_USER": "dba", "KGTOOL_ENDPOINT_PASSWORD": "dba"})
    assert ok.returncode == 0, ok.stderr
    assert "sparql-graph-crud-auth" in ok.stderr and "Authorization: [redacted]" in ok.stderr
    assert "Digest" not in ok.stderr
    bad = _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", g3],
                  env={"KGTOOL_ENDPOINT_USER": "dba", "KGTOOL_ENDPOINT_PASSWORD": "wrong"})
    assert bad.returncode == 6
    assert bad.stderr.startswith("error: HTTP 401") and len(bad.stderr.strip().splitlines()) == 1
    _kgtool(["push", "--endpoint", base, "--vendor", "virtuoso", "--graph", g3, "--delete"],
            env={"KGTOOL_ENDPOINT_USER": "dba", "KGTOOL_ENDPOINT_PASSWORD": "dba"})


def test_server_errors_are_one_line_exit_6(pushed: dict[str, str]) -> None:
    """An HTTP error (here Virtuoso's HTML 404 page) is one line with status and message, exit 6;
    a query refused by our policy never leaves the machine (exit 4)."""
    r = _kgtool(["query", "--endpoint", pushed["BASE"] + "/no-such-endpoint", "cq01"])
    assert r.returncode == 6, r.stderr
    assert r.stderr.startswith("error: HTTP 404") and len(r.stderr.strip().splitlines()) == 1
    # Through the hidden `remote-query` alias of `query --endpoint`, which must keep working.
    refused = _kgtool(["remote-query", "--endpoint", pushed["VT_ENDPOINT"],
                       "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"])
    assert refused.returncode == 4


# ------------------------------------------------------------------ atomic push, failure mid-way

class DroppingProxy:
    """A TCP proxy on 127.0.0.1 in front of Virtuoso that, once `drop_from` is set, cuts every
    connection from that one on (counted from the start) before it reaches the server: the
    network failing in the middle of a push. urllib opens one connection per request."""

    def __init__(self, port: int) -> None:
        import socket
        import threading

        self.port, self.seen, self.drop_from = port, 0, None
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.seen += 1
            if self.drop_from is not None and self.seen >= self.drop_from:
                conn.recv(4096)
                conn.close()
                continue
            up = socket.create_connection(("127.0.0.1", self.port))
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: Any, dst: Any) -> None:
        import socket

        try:
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


def _nt_file(path: Path, n: int, tag: str) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f'<http://example.org/{tag}/s{i // 7}> <http://example.org/p{i % 7}> '
                     f'"{tag} {i}"@zh-Hans .\n')
    return path


def _count(virtuoso: dict[str, str], graph: str) -> int:
    from kgtool import push as pu
    from kgtool import remote

    base = f"http://127.0.0.1:{virtuoso['VT_HTTP_PORT']}"
    return pu.count_graph(pu.Target(base, "virtuoso", remote.Auth()), graph, remote.Auth(), 60,
                          None)


def _push_cut_midway(virtuoso: dict[str, str], tmp_path: Path, n_old: int, n_new: int,
                     chunk: int) -> None:
    """Push an old version, then a new one through a proxy that fails after 3 upload requests:
    the old version survives, the error names the step, and the same command resumes."""
    g = f"https://w3id.org/kgtool/graph/test-cut-{n_new}"
    old = _nt_file(tmp_path / "old.nt", n_old, "old")
    new = _nt_file(tmp_path / "new.nt", n_new, "new")
    proxy = DroppingProxy(int(virtuoso["VT_HTTP_PORT"]))
    try:
        args = ["push", "--endpoint", proxy.url, "--vendor", "virtuoso", "--graph", g,
                "--chunk", str(chunk), "--timeout", "300"]
        first = _kgtool([*args, "--data", str(old)])
        assert first.returncode == 0, first.stderr
        assert f"{n_old} triples by gsp, verified {n_old}" in first.stdout
        # Step 1 is one count request; let 3 upload requests through, then cut everything.
        proxy.drop_from = proxy.seen + 1 + 3 + 1
        cut = _kgtool([*args, "--data", str(new)])
        assert cut.returncode == 6, cut.stderr
        line = cut.stderr.strip()
        assert "\n" not in line and "step 2 (upload request 4 of" in line
        assert "unchanged" in line and "resume at request 4" in line
        assert _count(virtuoso, g) == n_old            # the previous version is intact
        assert _count(virtuoso, pu_temp(new, g)) == 3 * chunk
        proxy.drop_from = None
        seen = proxy.seen
        again = _kgtool([*args, "--data", str(new)])
        assert again.returncode == 0, again.stderr
        assert f"{n_new} triples by gsp, verified {n_new}" in again.stdout
        n_requests = -(-n_new // chunk)
        # Resumed: count, the remaining uploads, count, MOVE, count.
        assert proxy.seen - seen == 1 + (n_requests - 3) + 3
        assert _count(virtuoso, g) == n_new and _count(virtuoso, pu_temp(new, g)) == 0
    finally:
        proxy.close()
        _kgtool(["push", "--endpoint", f"http://127.0.0.1:{virtuoso['VT_HTTP_PORT']}",
                 "--vendor", "virtuoso", "--graph", g, "--data", str(old), "--delete"])


def pu_temp(path: Path, graph: str) -> str:
    from kgtool import push as pu

    return pu.temp_graph(pu.sources_from_files([str(path)], graph, False)[0])


def test_push_cut_midway_keeps_the_old_graph_and_resumes(virtuoso: dict[str, str],
                                                          tmp_path: Path) -> None:
    _push_cut_midway(virtuoso, tmp_path, 5_000, 10_000, 1_000)


# Issue 12 asks the integration test to push the 450k case: CI always runs it (about 2-3.5
# minutes); on a developer's machine it is opt-in.
@pytest.mark.skipif(os.environ.get("KGTOOL_SCALE_TESTS") != "1"
                    and os.environ.get("CI", "").lower() != "true",
                    reason="scale test (about 2 minutes): set KGTOOL_SCALE_TESTS=1 (CI runs it)")
def test_push_450k_cut_midway_keeps_the_old_graph_and_resumes(virtuoso: dict[str, str],
                                                              tmp_path: Path) -> None:
    """The size of the article graph plus the NBS division graph (450,411 triples)."""
    _push_cut_midway(virtuoso, tmp_path, 100_000, 450_411, 50_000)


def test_bulk_load_of_a_dump(virtuoso: dict[str, str], real_project: Any) -> None:
    """`kgtool dump` into a folder the server may read (DirsAllowed), then the dump's own
    virtuoso-load.sql through isql-vt: every graph holds the manifest's count."""
    import json

    from kgtool import remote

    target = Path(virtuoso["VT_DIR"]) / "dump"
    r = _kgtool(["dump", str(target), "--project", str(real_project.root)])
    assert r.returncode == 0, r.stderr
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    try:
        out = subprocess.run(["isql-vt", f"127.0.0.1:{virtuoso['VT_SQL_PORT']}", "dba", "dba",
                              str(target / "virtuoso-load.sql")], capture_output=True, text=True,
                             timeout=300)
        # isql-vt exits 0 even when a statement fails: check what it printed.
        assert out.returncode == 0 and "Error" not in out.stdout + out.stderr, out.stdout[-2000:]
        rows = remote.query_endpoint(
            virtuoso["VT_ENDPOINT"], "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/kgtool/graph/')) } GROUP BY ?g",
            "SELECT", timeout=120)
        counts = {r["g"].value: int(r["n"].value) for r in rows}
        for g, info in manifest["graphs"].items():
            assert counts.get(g) == info["triples"], g
    finally:
        for g in manifest["graphs"]:
            remote.Client(remote.Auth(), 60).request(
                "POST", virtuoso["VT_ENDPOINT"], f"DROP SILENT GRAPH <{g}>".encode(),
                {"Content-Type": "application/sparql-update"})
