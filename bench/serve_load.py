#!/usr/bin/env python3
"""Load and abuse test of `kgtool serve` on loopback (bounded in count and time).

Starts `kgtool serve --port 0` on the built graph, then:
1. warm-up: C clients x W queries; RSS of the server and its workers (from /proc) afterwards;
2. the run: C clients x N queries (default 8 x 200), each answer checked against the same query
   run locally with pyoxigraph; queries/s, p50/p99 latency; RSS afterwards, compared with the
   warm-up RSS (target: within 10%);
3. abuse: malformed queries, a 20 MB body, wrong content types, a client sending half a request
   and stalling -> each must get a 4xx (or be dropped after the client timeout), and the server
   must still answer afterwards.
Prints a Markdown table for bench/README.md. Exit 1 when any check fails.

    python bench/serve_load.py [--clients 8] [--queries 200] [--workers 2] [--deadline 300]
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest_server import ServerProcess, get_query, http, tree_rss_kib  # noqa: E402

QUERIES = [
    "SELECT ?s WHERE { ?s a kg:District } ORDER BY ?s",
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
    "SELECT ?s ?l WHERE { ?s skos:prefLabel ?l FILTER(lang(?l) = 'zh-hans') } ORDER BY ?s ?l LIMIT 50",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p",
    "ASK { ?s a kg:Enterprise }",
]


def expected_answers() -> dict[str, object]:
    from kgtool import query as q
    from kgtool.namespaces import PREFIXES

    store, _, _ = q.load_store([q.DataSource(str(ROOT / "graph" / "songjiang.ttl"))])
    out: dict[str, object] = {}
    for text in QUERIES:
        res = store.query(text, prefixes=PREFIXES)
        if hasattr(res, "variables"):
            names = [v.value for v in res.variables]
            out[text] = [[s[n].value if s[n] is not None else None for n in names] for s in res]
        else:
            out[text] = bool(res)
    return out


def answer_of(body: bytes) -> object:
    doc = json.loads(body)
    if "boolean" in doc:
        return doc["boolean"]
    names = doc["head"]["vars"]
    return [[b.get(n, {}).get("value") for n in names] for b in doc["results"]["bindings"]]


def run(url: str, clients: int, per_client: int, expected: dict[str, object],
        deadline: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        for i in range(per_client):
            if time.monotonic() > deadline:
                with lock:
                    errors.append("deadline reached")
                return
            text = QUERIES[(k + i) % len(QUERIES)]
            t0 = time.perf_counter()
            status, _, body = get_query(url, text)
            dt = time.perf_counter() - t0
            ok = status == 200 and answer_of(body) == expected[text]
            with lock:
                latencies.append(dt)
                if not ok:
                    errors.append(f"client {k} query {i}: status {status}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - t0


def raw(port: int, data: bytes, wait: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def abuse(srv: ServerProcess) -> list[tuple[str, str, bool]]:
    out = []
    st, _, _ = get_query(srv.url, "SELECT * WHERE { ?s ?p ")
    out.append(("malformed query", str(st), st == 400))
    st, _, _ = get_query(srv.url, "DELETE WHERE { ?s ?p ?o }")
    out.append(("update as query", str(st), st == 403))
    st, _, _ = http("POST", srv.url, b"SELECT * {}", {"Content-Type": "application/xml"})
    out.append(("wrong content type", str(st), st == 415))
    st, _, _ = get_query(srv.url, "SELECT * {}", "image/png")
    out.append(("unacceptable Accept", str(st), st == 406))
    big = 20 * 1024 * 1024
    t0 = time.perf_counter()
    ans = raw(srv.port, (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         f"application/sparql-query\r\nContent-Length: {big}\r\n\r\n").encode()
              + b"#" * big)
    out.append(("20 MB body", ans[:12].decode(errors="replace") + f" in {time.perf_counter() - t0:.2f} s",
                ans.startswith(b"HTTP/1.1 413")))
    t0 = time.perf_counter()
    ans = raw(srv.port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                        b"sparql-query\r\nContent-Length: 100\r\n\r\nSELECT")
    out.append(("half a request, stalled", ans[:12].decode(errors="replace")
                + f" after {time.perf_counter() - t0:.1f} s", ans.startswith(b"HTTP/1.1 408")))
    t0 = time.perf_counter()
    raw(srv.port, b"GET /sparql?query=ASK")
    out.append(("stalled inside headers", f"dropped after {time.perf_counter() - t0:.1f} s",
                time.perf_counter() - t0 < 15))
    st, _, _ = get_query(srv.url, "ASK { ?s ?p ?o }")
    out.append(("still serving afterwards", str(st), st == 200 and srv.alive()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--deadline", type=float, default=300, help="seconds for the whole run")
    args = ap.parse_args()
    deadline = time.monotonic() + args.deadline
    expected = expected_answers()
    srv = ServerProcess(["--data", str(ROOT / "graph" / "songjiang.ttl"), "--workers", str(args.workers), "--quiet", "--client-timeout", "5"])
    ok = True
    try:
        _, werr, _ = run(srv.url, args.clients, args.warmup, expected, deadline)
        rss_warm = tree_rss_kib(srv.pid)
        lat, errors, wall = run(srv.url, args.clients, args.queries, expected, deadline)
        rss_after = tree_rss_kib(srv.pid)
        n = len(lat)
        lat.sort()
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(n - 1, int(n * 0.99))] * 1000
        growth = (rss_after - rss_warm) / rss_warm * 100
        ok = not errors and not werr and abs(growth) <= 10
        print(f"| clients x queries | answered correctly | queries/s | p50 | p99 | RSS after warm-up "
              f"| RSS after run | change |")
        print("|---|---|---|---|---|---|---|---|")
        print(f"| {args.clients} x {args.queries} | {n - len(errors)}/{args.clients * args.queries} "
              f"| {n / wall:.0f} | {p50:.1f} ms | {p99:.1f} ms | {rss_warm / 1024:.1f} MiB "
              f"| {rss_after / 1024:.1f} MiB | {growth:+.1f}% |")
        print()
        print("| abuse | answer | ok |")
        print("|---|---|---|")
        for what, got, good in abuse(srv):
            ok = ok and good
            print(f"| {what} | {got} | {'yes' if good else 'NO'} |")
        for e in (werr + errors)[:10]:
            print("error:", e, file=sys.stderr)
    finally:
        srv.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
