"""In-process engine comparison on the same data and the same named queries: pyoxigraph vs rdflib.

    python bench/engines.py [GRAPH] [-n 7]

Reports the median load time and, per named query, the median query time (parse + full
consumption of the result), plus the first rdflib query separately (its parser warms up).
Results are checked to be the same rows in both engines (language tags case-insensitively,
numbers by value) before timing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def canon(v: object) -> object:
    if v is None:
        return None
    s = str(v) if type(v).__module__.startswith("rdflib") else v.value
    try:
        return Decimal(s)
    except Exception:  # noqa: BLE001
        return s.lower()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("graph", nargs="?", default=str(ROOT / "graph" / "songjiang.ttl"))
    ap.add_argument("-n", type=int, default=7)
    a = ap.parse_args()
    import pyoxigraph
    from rdflib import Graph

    from kgtool.namespaces import PREFIXES

    queries = {p.stem: p.read_text(encoding="utf-8")
               for p in sorted((ROOT / "kgtool" / "queries").glob("cq0*.rq"))}
    ox_load, rl_load = [], []
    for _ in range(3):
        t = time.perf_counter()
        store = pyoxigraph.Store()
        store.load(path=a.graph, format=pyoxigraph.RdfFormat.TURTLE)
        ox_load.append(time.perf_counter() - t)
        t = time.perf_counter()
        graph = Graph().parse(a.graph, format="turtle")
        rl_load.append(time.perf_counter() - t)
    print(f"data: {a.graph}, {len(store)} triples")
    print(f"load  pyoxigraph {statistics.median(ox_load) * 1000:8.1f} ms   rdflib "
          f"{statistics.median(rl_load) * 1000:8.1f} ms   ratio {statistics.median(rl_load) / statistics.median(ox_load):5.1f}x")
    first = True
    for name, q in queries.items():
        t = time.perf_counter()
        rl_rows = list(graph.query(q, initNs=PREFIXES))
        first_rl = time.perf_counter() - t
        ox_rows = list(store.query(q, prefixes=PREFIXES))
        ox_set = sorted(str([canon(r[i]) for i in range(len(r))]) for r in ox_rows)
        rl_set = sorted(str([canon(r[i]) for i in range(len(r))]) for r in rl_rows)
        same = "same rows" if ox_set == rl_set else "ROWS DIFFER"
        ox_t, rl_t = [], []
        for _ in range(a.n):
            t = time.perf_counter()
            list(store.query(q, prefixes=PREFIXES))
            ox_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            list(graph.query(q, initNs=PREFIXES))
            rl_t.append(time.perf_counter() - t)
        ox_m, rl_m = statistics.median(ox_t), statistics.median(rl_t)
        print(f"{name}  pyoxigraph {ox_m * 1000:7.2f} ms   rdflib {rl_m * 1000:8.2f} ms   "
              f"ratio {rl_m / ox_m:6.1f}x   ({len(ox_rows)} rows, {same}"
              + (f"; rdflib first query {first_rl * 1000:.0f} ms" if first else "") + ")")
        first = False


if __name__ == "__main__":
    main()
