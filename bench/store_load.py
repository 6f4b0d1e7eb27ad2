#!/usr/bin/env python3
"""`kgtool load` vs pyoxigraph's own bulk loader on the same generated file, side by side.

Generates an N-Triples file of N triples (default 1,000,000; written to a temp folder, never
committed), then alternates R runs of each, each into a fresh store folder:
  bare:   python -c "Store(dir).bulk_load(path=file, ...)"      (the engine's bulk loader)
  kgtool: python -m kgtool load --store dir file                 (our command, end to end)
and prints the medians and their ratio (target: kgtool <= 1.5x bare).

    python bench/store_load.py [--triples 1000000] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = ("import sys, pyoxigraph as ox\n"
        "s = ox.Store(sys.argv[1])\n"
        "s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_TRIPLES, "
        "to_graph=ox.NamedNode('file:///bench'))\n"
        "s.flush()\n")


def generate(path: Path, n: int) -> None:
    """Deterministic mixed data: IRIs, language-tagged strings, integers, decimals."""
    ex = "https://w3id.org/kgtool/id/bench/"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            s = f"<{ex}e{i // 10}>"
            k = i % 10
            if k < 4:
                o = f"<{ex}e{(i * 7919) % (n // 10 + 1)}>"
            elif k < 6:
                o = f'"名称 {i}"@zh-Hans' if k == 4 else f'"label {i}"@en'
            elif k < 8:
                o = f'"{i}"^^<http://www.w3.org/2001/XMLSchema#integer>'
            else:
                o = f'"{i}.50"^^<http://www.w3.org/2001/XMLSchema#decimal>'
            fh.write(f"{s} <https://w3id.org/kgtool/def/p{k}> {o} .\n")


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kgtool-bench-"))
    try:
        data = tmp / "data.nt"
        t0 = time.perf_counter()
        generate(data, args.triples)
        print(f"generated {args.triples:,} triples ({data.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        bare, ours = [], []
        for r in range(args.runs):
            for kind in ("bare", "kgtool"):
                d = tmp / f"{kind}{r}"
                if kind == "bare":
                    bare.append(timed([sys.executable, "-c", BARE, str(d), str(data)]))
                else:
                    ours.append(timed([sys.executable, "-m", "kgtool", "load", "--store", str(d),
                                       str(data)]))
                shutil.rmtree(d, ignore_errors=True)
            print(f"run {r + 1}: bare {bare[-1]:.2f} s, kgtool {ours[-1]:.2f} s", file=sys.stderr)
        mb, mo = statistics.median(bare), statistics.median(ours)
        print(f"| triples | bare bulk_load median | kgtool load median | ratio | triples/s (kgtool) |")
        print(f"|---|---|---|---|---|")
        print(f"| {args.triples:,} | {mb:.2f} s | {mo:.2f} s | {mo / mb:.2f}x | "
              f"{args.triples / mo:,.0f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
