"""Fuzzing (#14): generated hostile queries and RDF files against the CLI and the endpoint.

Plain random generation with a fixed seed (reproducible, no extra dependency), bounded in
count and time. Every case must end with its documented exit code (or HTTP status), one
`error:` line at most, no traceback, no internal error (70), no crash (negative return code),
and nothing may reach the network: a loopback listener named in SERVICE clauses and JSON-LD
contexts must see no connection at all.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from conftest_server import ServerProcess, http
from test_safety_input import Listener

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "graph" / "songjiang.ttl")
SEED = 1414
OK, USAGE, INPUT, POLICY = {0}, {2}, {3}, {4}


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


def queries(rng: random.Random, port: int) -> list[tuple[str, set[int]]]:
    """(query text, allowed exit codes) -- hostile shapes, each with its documented outcome."""
    out: list[tuple[str, set[int]]] = []
    for _ in range(3):
        o, c = rng.choice([("(", ")"), ("{", "}"), ("[", "]")])
        n = rng.randint(65, 6000)
        out.append(("SELECT * WHERE { FILTER(" + o * n + "1" + c * n + ") }", INPUT))
    for kw in ("SERVICE", "sErViCe", "FROM", "LOAD", "insert data"):
        out.append((f"SELECT * {kw if kw == 'FROM' else ''} "
                    + (f"<http://127.0.0.1:{port}/g> " if kw == "FROM" else "")
                    + "WHERE { "
                    + (f"{kw} <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }}"
                       if kw.lower() == "service" else "?s ?p ?o")
                    + " }" if kw.upper() in ("SERVICE", "FROM")
                    else f"{kw.upper()} <http://127.0.0.1:{port}/x.ttl>" if kw == "LOAD"
                    else f"INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}", POLICY))
    chains = [" MINUS {}", " OPTIONAL {}", " UNION {}"]
    for _ in range(2):
        out.append(("SELECT * WHERE { {}" + rng.choice(chains) * rng.randint(3000, 8000) + " }",
                    INPUT | OK))
    for _ in range(3):  # control bytes, stray quotes, random punctuation
        junk = "".join(rng.choice("\x00\x01\x07\x1b\x7f\"'<>{}()[]#?$:._\\\n\t\u2028\ufeff")
                       for _ in range(rng.randint(5, 200)))
        out.append(("SELECT * WHERE { " + junk + " }", INPUT | POLICY))
    out.append(('SELECT * WHERE { ?s ?p "' + "x" * (2 << 20) + '" }', OK))  # a 2 MB literal
    out.append(("\ufeffASK { ?s ?p ?o }", OK | INPUT))
    return out


def rdf_files(rng: random.Random, tmp: Path, port: int) -> list[tuple[Path, set[int]]]:
    files: list[tuple[Path, bytes, set[int]]] = []
    n = rng.randint(2000, 8000)
    files.append((tmp / "coll.ttl", ("<urn:s> <urn:p> " + "(" * n + "1" + ")" * n + " .\n")
                  .encode(), INPUT | OK))
    files.append((tmp / "bnode.ttl", ("<urn:s> <urn:p> " + "[ <urn:p> " * n + "1" + " ]" * n
                                      + " .\n").encode(), INPUT | OK))
    files.append((tmp / "deep.jsonld", ('{"@id": "urn:s", "urn:p": ' + "[" * n + "1" + "]" * n
                                        + "}").encode(), INPUT | OK))
    files.append((tmp / "remote.jsonld", ('{"@context": "http://127.0.0.1:%d/c", "@id": "urn:s",'
                                          ' "name": "x"}' % port).encode(), POLICY))
    files.append((tmp / "entity.rdf", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>'
                  b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', POLICY))
    files.append((tmp / "bom.nt", b"\xef\xbb\xbf<urn:s> <urn:p> \"v\" .\n", OK))
    files.append((tmp / "gbk.ttl", "<urn:s> <urn:p> \"松江\" .\n".encode("gbk"), INPUT))
    files.append((tmp / "control.nt", b"<urn:s> <urn:p> \"a\x00\x1b]0;x\x07\" .\n<urn:\x01> .\n",
                  INPUT))
    files.append((tmp / "huge.nt", b'<urn:s> <urn:p> "' + b"y" * (3 << 20) + b'" .\n', INPUT))
    files.append((tmp / "garbage.ttl", bytes(rng.randrange(256) for _ in range(4000)), INPUT))
    for path, data, _ in files:
        path.write_bytes(data)
    return [(p, codes) for p, _, codes in files]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KGTOOL_MAX_LINE_BYTES": str(1 << 20)}
    return subprocess.run([sys.executable, "-m", "kgtool", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, errors="replace", timeout=60)


def check(res: subprocess.CompletedProcess[str], allowed: set[int], what: str) -> None:
    assert res.returncode >= 0, f"{what}: killed by signal {-res.returncode}"
    assert res.returncode != 70 and "Traceback" not in res.stderr, (what, res.stderr[-500:])
    assert res.returncode in allowed, (what, res.returncode, res.stderr[-300:])
    if res.returncode:
        assert res.stderr.startswith("error: "), (what, res.stderr[:300])
        assert not any(ch in res.stderr for ch in "\x00\x07\x1b"), what


def test_fuzz_cli(tmp_path: Path, listener: Listener) -> None:
    rng = random.Random(SEED)
    cases: list[tuple[list[str], set[int], str]] = []
    for i, (text, allowed) in enumerate(queries(rng, listener.port)):
        path = tmp_path / f"q{i}.rq"
        path.write_text(text, encoding="utf-8")
        cases.append((["query", "--data", DATA, "-f", str(path)], allowed, f"query {i}"))
    for path, allowed in rdf_files(rng, tmp_path, listener.port):
        cases.append((["query", "--data", str(path), "ASK { ?s ?p ?o }"], allowed | {1},
                      f"query --data {path.name}"))
        cases.append((["export", "--data", str(path), "--format", "nt"], allowed,
                      f"export --data {path.name}"))
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: run(c[0]), cases))
    for (_, allowed, what), res in zip(cases, results):
        check(res, allowed, what)
    assert listener.connections == 0


def test_fuzz_endpoint(listener: Listener) -> None:
    rng = random.Random(SEED + 1)
    srv = ServerProcess(["--data", DATA, "--workers", "1", "--quiet", "--no-pages",
                         "--timeout", "5"])
    try:
        for text, allowed in queries(rng, listener.port):
            status = http("POST", srv.url, text.encode("utf-8"),
                          {"Content-Type": "application/sparql-query"}, timeout=30)[0]
            expected = {200 if c == 0 else 403 if c == 4 else 400 for c in allowed}
            if len(text.encode()) > (1 << 20):
                expected = {413}
            if allowed == INPUT | OK:
                expected.add(503)  # a costly chain may also hit the server's query timeout
            assert status in expected, (text[:80], status)
            assert srv.alive()
        for _ in range(20):  # random bytes as form fields and raw bodies
            body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
            ctype = rng.choice(["application/sparql-query", "application/x-www-form-urlencoded",
                                "text/plain"])
            status = http("POST", srv.url, body, {"Content-Type": ctype}, timeout=30)[0]
            assert status in (200, 400, 403, 415), (body[:40], ctype, status)
        qs = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        assert http("GET", f"{srv.url}?{qs}")[0] == 200 and srv.alive()
    finally:
        srv.stop()
    assert listener.connections == 0
