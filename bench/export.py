"""Export benchmark for issue 12.2: `kgtool export --store` against pyoxigraph's own serializer.

    python bench/export.py                    # 1M triples, 3 pairs per format
    python bench/export.py -n 5 --triples 200000 --formats nt,nq

What it does, all in a temp dir removed at the end (nothing is written into the repository):
generates the 1M-triple graph with bench/gen.py, loads it with `kgtool load --store`, then for
each format alternates (A B A B …, one untimed warm-up pair, which also checks that both outputs
have the same number of lines for nt/nq):

  A = `kgtool export --store S --format F -o OUT` (run the way pip's console script runs it)
  B = a bare script: `pyoxigraph.Store.read_only(S).dump(OUT, format, from_graph=G)`
      (N-Quads: the whole dataset; Turtle: with the same prefixes kgtool writes)

It reports the medians and the median of the per-pair ratios A/B (wall and CPU = user + sys of
the child), and each child's own peak RSS (`ru_maxrss` via os.wait4). Targets: nt and nq at most
1.3x, turtle at most 2x, peak RSS of A at most the bare script's + 25 MiB (the interpreter and
kgtool's imports).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from link_scale import CLI, ENV, PY, run  # noqa: E402  (the same whole-process timer)

ENV.pop("KGTOOL_STORE", None)

BARE = """import sys, pyoxigraph as ox
from kgtool.namespaces import PREFIXES
store = ox.Store.read_only(sys.argv[1])
fmt = {"nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "turtle": ox.RdfFormat.TURTLE,
       "trig": ox.RdfFormat.TRIG}[sys.argv[2]]
graph = None if fmt.supports_datasets else next(iter(store.named_graphs()))
store.dump(sys.argv[3], fmt, from_graph=graph,
           prefixes=PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None)
"""
TARGETS = {"nt": 1.3, "nq": 1.3, "turtle": 2.0, "trig": 2.0}


def lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=3, help="timed pairs per format (default 3)")
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--formats", default="nt,nq,turtle")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kgtool-bench-export-"))
    try:
        data, store = tmp / "big.ttl", tmp / "store"
        subprocess.run([PY, str(ROOT / "bench" / "gen.py"), "--triples", str(args.triples),
                        "--out", str(data)], check=True, env=ENV, cwd=ROOT)
        t0 = time.perf_counter()
        run([*CLI, "load", "--store", str(store), str(data)], tmp / "load.log")
        print(f"loaded in {time.perf_counter() - t0:.1f} s; load average "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        rows = []
        for fmt in args.formats.split(","):
            a_out, b_out = tmp / f"a.{fmt}", tmp / f"b.{fmt}"
            a = [*CLI, "export", "--store", str(store), "--format", fmt, "-o", str(a_out)]
            b = [PY, "-c", BARE, str(store), fmt, str(b_out)]
            run(a, tmp / "a.log")
            run(b, tmp / "b.log")
            if fmt in ("nt", "nq"):
                la, lb = lines(a_out), lines(b_out)
                if la != lb:
                    raise SystemExit(f"{fmt}: kgtool wrote {la} lines, pyoxigraph {lb}")
            res: dict[str, list[tuple[float, float, int]]] = {"a": [], "b": []}
            for _ in range(args.n):
                res["a"].append(run(a, tmp / "a.log"))
                res["b"].append(run(b, tmp / "b.log"))
            wall = [x[0] / y[0] for x, y in zip(res["a"], res["b"])]
            cpu = [x[1] / y[1] for x, y in zip(res["a"], res["b"])]
            rows.append((fmt, statistics.median(x[0] for x in res["a"]),
                         statistics.median(x[0] for x in res["b"]), statistics.median(wall),
                         min(wall), max(wall), statistics.median(cpu),
                         max(x[2] for x in res["a"]) / 1024, max(x[2] for x in res["b"]) / 1024,
                         a_out.stat().st_size, b_out.stat().st_size))
            print(f"{fmt}: done, load average {os.getloadavg()[0]:.2f}", flush=True)
        print(f"\n{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
              f"{args.triples:,} triples generated, {args.n} pairs\n")
        print("| format | A median (wall) | B median (wall) | paired A/B, wall | paired A/B, CPU "
              "| peak RSS A | peak RSS B | output A | output B | target |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for fmt, ma, mb, r, lo, hi, rc, pa, pb, sa, sb in rows:
            ok = "met" if r <= TARGETS[fmt] else "missed"
            print(f"| {fmt} | {ma:.2f} s | {mb:.2f} s | **{r:.2f}** (min {lo:.2f}, max {hi:.2f}) "
                  f"| {rc:.2f} | {pa:.0f} MiB | {pb:.0f} MiB | {sa / 2**20:.0f} MiB "
                  f"| {sb / 2**20:.0f} MiB | ≤ {TARGETS[fmt]}: {ok} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
