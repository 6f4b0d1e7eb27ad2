#!/usr/bin/env python3
"""Speed of the web pages (kgtool/web) on the built graph, and the site under load.

1. Render time in process (what `kgtool serve` does per page): every entity page under id/
   (spans and selectors left out) rendered R times, median and p95; the source page too.
2. The same entity pages over HTTP from `kgtool serve` (one client): median and p95.
3. The alternative we did not take, measured: the entity's triples fetched through the
   endpoint's worker pool (`DESCRIBE <iri>` on /sparql, one client), to compare the round trip.
4. Load: C clients x N requests (default 8 x 200, as bench/serve_load.py) over a mix of pages
   (entity HTML, entity Turtle, a thing IRI answered 303, class index, label search, named
   query page, source page); each answer checked (status, a marker in the body); req/s, p50,
   p99, RSS of server + workers after a warm-up and after the run (target: within 10%).
Prints Markdown for bench/README.md. Exit 1 when a check fails or the entity median > 50 ms.

    python bench/web.py [--clients 8] [--requests 200] [--repeat 3] [--deadline 300]
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest_server import ServerProcess, get_query, tree_rss_kib  # noqa: E402

GRAPH = ROOT / "graph" / "songjiang.ttl"


def entity_iris(site) -> list[str]:
    import pyoxigraph as ox

    out = set()
    for q in site.stores[0].quads_for_pattern(None, None, None, None):
        s = q.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(site.base + "id/") \
                and "/span/" not in s.value and "/source/" not in s.value:
            out.add(s.value)
    return sorted(out)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def in_process(repeat: int) -> tuple[list[str], dict[str, float]]:
    from kgtool.web import open_site
    from kgtool.web.render import Renderer

    t0 = time.perf_counter()
    site = open_site([str(GRAPH)], None, ontology=ROOT / "ontology" / "kgtool.ttl",
                     exclusions=ROOT / "graph" / "coverage-exclusions.toml")
    r = Renderer(site, ontology=site.stores[1])
    load = time.perf_counter() - t0
    iris = entity_iris(site)
    source = site.base + "id/source/songjiang-advanced-manufacturing"
    r.entity_or_source(source, "id/source/x.html")          # warm: coverage, templates
    times = []
    for _ in range(repeat):
        for iri in iris:
            t = time.perf_counter()
            page = r.entity_or_source(iri, "id/x/y.html")
            times.append(time.perf_counter() - t)
            assert page.status == 200
    src = []
    for _ in range(max(3, repeat)):
        t = time.perf_counter()
        r.entity_or_source(source, "id/source/x.html")
        src.append(time.perf_counter() - t)
    return iris, {"load": load, "median": statistics.median(times), "p95": pct(times, 0.95),
                  "n": len(times), "source": statistics.median(src)}


def get(port: int, path: str, accept: str = "text/html") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def page_path(base: str, iri: str, ext: str = ".html") -> str:
    return "/" + urllib.parse.quote(iri[len(base):] + ext)


def over_http(srv: ServerProcess, iris: list[str], base: str) -> dict[str, float]:
    html, describe = [], []
    for iri in iris:
        t = time.perf_counter()
        st, body = get(srv.port, page_path(base, iri))
        html.append(time.perf_counter() - t)
        assert st == 200, (iri, st)
        t = time.perf_counter()
        st, _, body = get_query(srv.url, f"DESCRIBE <{iri}>", "application/n-triples")
        describe.append(time.perf_counter() - t)
        assert st == 200
    return {"median": statistics.median(html), "p95": pct(html, 0.95),
            "describe": statistics.median(describe), "describe_p95": pct(describe, 0.95)}


def mix(iris: list[str], base: str) -> list[tuple[str, str, int, bytes]]:
    """(path, accept, expected status, marker) -- a page mix."""
    town = base + "id/place/洞泾镇"
    out = []
    for iri in iris[::max(1, len(iris) // 40)]:
        out.append((page_path(base, iri), "text/html", 200, b'<h1 class="labels">'))
    out += [
        (page_path(base, town, ".ttl"), "text/turtle", 200, "洞泾镇".encode()),
        (page_path(base, town, ""), "text/turtle", 303, b"303"),
        ("/classes/kg/Enterprise.html", "text/html", 200, b'class="members"'),
        ("/search?q=" + urllib.parse.quote("松江"), "text/html", 200, b"labels-index"),
        ("/query?name=cq01", "text/html", 200, b'<table class="results"'),
        ("/id/source/songjiang-advanced-manufacturing.html", "text/html", 200, b"<article"),
    ]
    return out


def load(srv: ServerProcess, pages, clients: int, per_client: int, deadline: float):
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        for i in range(per_client):
            if time.monotonic() > deadline:
                with lock:
                    errors.append("deadline reached")
                return
            path, accept, want, marker = pages[(k * 7 + i) % len(pages)]
            t = time.perf_counter()
            try:
                st, body = get(srv.port, path, accept)
            except OSError as exc:
                st, body = -1, str(exc).encode()
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                if st != want or marker not in body:
                    errors.append(f"{path}: {st}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--deadline", type=float, default=300)
    args = ap.parse_args()
    deadline = time.monotonic() + args.deadline
    base = "https://w3id.org/kgtool/"
    iris, inproc = in_process(args.repeat)
    srv = ServerProcess(["--data", str(GRAPH), "--workers", str(args.workers), "--quiet"])
    ok = True
    try:
        remote = over_http(srv, iris, base)
        pages = mix(iris, base)
        _, werr, _ = load(srv, pages, args.clients, args.warmup, deadline)
        rss_warm = tree_rss_kib(srv.pid)
        lat, errors, wall = load(srv, pages, args.clients, args.requests, deadline)
        rss_after = tree_rss_kib(srv.pid)
        alive = srv.alive()
    finally:
        srv.stop()
    growth = (rss_after - rss_warm) / rss_warm * 100
    ok = (not errors and not werr and alive and abs(growth) <= 10
          and inproc["median"] <= 0.050 and remote["median"] <= 0.050)
    ms = 1000
    print("| entity pages | renders | median | p95 |")
    print("|---|---:|---:|---:|")
    print(f"| in process (Renderer) | {inproc['n']} ({len(iris)} entities x {args.repeat}) "
          f"| {inproc['median'] * ms:.1f} ms | {inproc['p95'] * ms:.1f} ms |")
    print(f"| over HTTP from `kgtool serve`, 1 client | {len(iris)} | {remote['median'] * ms:.1f} ms "
          f"| {remote['p95'] * ms:.1f} ms |")
    print(f"| (not taken) DESCRIBE via the worker pool, 1 client | {len(iris)} "
          f"| {remote['describe'] * ms:.1f} ms | {remote['describe_p95'] * ms:.1f} ms |")
    print()
    print(f"Source page (whole article, {inproc['source'] * ms:.0f} ms median in process); site "
          f"view opened in {inproc['load'] * ms:.0f} ms.")
    print()
    n = len(lat)
    print("| clients x requests | answered correctly | req/s | p50 | p99 | RSS after warm-up "
          "| RSS after run | change |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.clients} x {args.requests} ({len(pages)} pages in the mix) "
          f"| {n - len(errors)}/{args.clients * args.requests} | {n / wall:.0f} "
          f"| {statistics.median(lat) * ms:.1f} ms | {pct(lat, 0.99) * ms:.1f} ms "
          f"| {rss_warm / 1024:.1f} MiB | {rss_after / 1024:.1f} MiB | {growth:+.1f}% |")
    for e in (werr + errors)[:10]:
        print("error:", e, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
