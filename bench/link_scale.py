"""Scale benchmark for issue #4 point 6: importing reference divisions (and linking) against the
engine's own floor, pyoxigraph bulk-loading the resulting N-Triples, side by side.

    python bench/link_scale.py                 # 3 pairs national, 3 pairs 620k villages (~5-6 min)
    python bench/link_scale.py -n 7 --n-villages 5
    python bench/link_scale.py --national-only
    python bench/link_scale.py --data DIR      # another china-admin-divisions/national folder

Two comparisons, whole processes, A and B alternating (A B A B ...), wall clock and CPU:

1. national township file (provinces, cities, areas, streets; 44.7k units)
   A = `kgtool import-reference divisions provinces.csv cities.csv areas.csv streets.csv`
       then `kgtool link --output-dir TMP` (two processes, times added, peak = larger of the two)
   B = a bare script: `pyoxigraph.Store().bulk_load(path=..., format=RdfFormat.N_TRIPLES)` of
       the resulting triples (the cache's divisions.nt plus the links, converted once to N-Triples)
   target: paired A/B ≤ 3.
2. a generated 620,000-row village file of the NBS layout (plus its parent files)
   A = `kgtool import-reference divisions provinces.csv … streets.csv villages.csv`
   B = the same bare bulk load of its output (divisions.nt)
   target: paired A/B ≤ 2, peak RSS of A < 1 GiB.

Peak memory is the child's own ru_maxrss (os.wait4). Everything written — the generated CSV,
the cache (`--cache` and KGTOOL_CACHE), the links — goes to a temp dir that is removed at the
end (`--keep` keeps it); nothing is written into the repository. A is run the way pip's console
script runs it (`python -c "from kgtool.cli import main; main()" ...`); byte-code caching on.
The national phase starts with one untimed run of each (warms the byte-code and file caches and
produces B's input); the village phase needs A's output before B can run, so its first pair is
A-then-B with caches already warm from the national phase, and every pair is timed.
The industry and wikidata reference graphs that `kgtool link` also reads are imported once,
untimed (a few hundred triples).
"""
from __future__ import annotations

import argparse
import csv
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
PY = sys.executable
VILLAGE_ROWS = 620_000
GiB = 1024 * 1024  # ru_maxrss is in KiB on Linux

# Byte-code caching on, as for an installed package.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "KGTOOL_DEBUG")}
ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)

CLI = [PY, "-c", "import sys; from kgtool.cli import main; sys.argv[0] = 'kgtool'; main()"]
BARE = [PY, "-c", "import sys, pyoxigraph as ox\n"
                  "store = ox.Store()\n"
                  "for p in sys.argv[1:]:\n"
                  "    store.bulk_load(path=p, format=ox.RdfFormat.N_TRIPLES)\n"]


def run(cmd: list[str], log: Path) -> tuple[float, float, int]:
    """Run one process; return (wall s, CPU s user+sys, peak RSS KiB) of that child alone."""
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=out, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd[3:] if cmd[:2] == CLI[:2] else cmd)}\n"
                         + log.read_text(encoding="utf-8", errors="replace")[-3000:])
    return dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def run_all(cmds: list[list[str]], log: Path) -> tuple[float, float, int]:
    wall = cpu = 0.0
    peak = 0
    for cmd in cmds:
        w, c, m = run(cmd, log)
        wall, cpu, peak = wall + w, cpu + c, max(peak, m)
    return wall, cpu, peak


def generate_villages(streets: Path, out: Path, rows: int = VILLAGE_ROWS) -> int:
    """A village file of the NBS layout (header of shanghai-villages.csv): 12-digit codes = the
    street's 9-digit code + 3 digits, unique, every parent column consistent with the street's.
    Rows are spread over all national streets (15 or 14 each for 620,000 rows); like NBS, codes
    001–099 are 居委会 and 2xx are 村委会."""
    with open(streets, encoding="utf-8", newline="") as fh:
        parents = [(r["code"], r["provinceCode"], r["cityCode"], r["areaCode"])
                   for r in csv.DictReader(fh)]
    base, extra = divmod(rows, len(parents))
    if base >= 99:
        raise SystemExit("too many rows per street for 3-digit village codes")
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write("code,name,streetCode,provinceCode,cityCode,areaCode\n")
        for k, (street, prov, city, area) in enumerate(parents):
            for i in range(1, base + (1 if k < extra else 0) + 1):
                if i % 3:
                    suffix, name = 200 + i, f"第{i}村村民委员会"
                else:
                    suffix, name = i, f"第{i}社区居委会"
                fh.write(f'{street}{suffix:03d},"{name}",{street},{prov},{city},{area}\n')
                n += 1
    return n


def triples_reported(log: Path) -> int:
    text = log.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        if line.startswith("divisions:") and "triples" in line:
            return int(line.split()[1].replace(",", ""))
    return -1


def compare(name: str, a_cmds: list[list[str]], b_cmd: list[str], n: int, tmp: Path,
            warm: bool, target: float) -> dict[str, float]:
    log_a, log_b = tmp / "a.log", tmp / "b.log"
    if warm:
        run_all(a_cmds, log_a)
        run(b_cmd, log_b)
    ta, tb, ca, cb, ma, mb, ratios, cratios = [], [], [], [], [], [], [], []
    for i in range(n):
        x, cx, mx = run_all(a_cmds, log_a)
        y, cy, my = run(b_cmd, log_b)
        ta.append(x); tb.append(y); ca.append(cx); cb.append(cy); ma.append(mx); mb.append(my)
        ratios.append(x / y)
        cratios.append(cx / cy)
        print(f"  pair {i + 1}/{n}: A {x:.2f} s (CPU {cx:.2f} s, {mx / 1024:.0f} MiB), "
              f"B {y:.2f} s (CPU {cy:.2f} s, {my / 1024:.0f} MiB), A/B {x / y:.2f}, "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
    res = {"a": statistics.median(ta), "b": statistics.median(tb),
           "ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
           "cpu_a": statistics.median(ca), "cpu_b": statistics.median(cb),
           "cpu_ratio": statistics.median(cratios), "peak_a": max(ma), "peak_b": max(mb)}
    verdict = "met" if res["ratio"] <= target else "MISSED"
    print(f"{name}: n={n}, A median {res['a']:.2f} s, B median {res['b']:.2f} s, paired A/B "
          f"median {res['ratio']:.2f} (min {res['min']:.2f}, max {res['max']:.2f}) "
          f"[target ≤ {target:g}: {verdict}]; CPU A {res['cpu_a']:.2f} s, B {res['cpu_b']:.2f} s, "
          f"paired {res['cpu_ratio']:.2f}; peak RSS A {res['peak_a'] / 1024:.0f} MiB, "
          f"B {res['peak_b'] / 1024:.0f} MiB", flush=True)
    return res


def to_ntriples(ttl: Path, nt: Path) -> None:
    import pyoxigraph as ox

    with open(ttl, "rb") as src, open(nt, "wb") as dst:
        ox.serialize(ox.parse(src, format=ox.RdfFormat.TURTLE), dst, format=ox.RdfFormat.N_TRIPLES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=3, help="pairs for the national import + link (default 3)")
    ap.add_argument("--n-villages", type=int, default=3, help="pairs for the 620k villages (default 3)")
    ap.add_argument("--national-only", action="store_true")
    ap.add_argument("--rows", type=int, default=VILLAGE_ROWS, help="generated village rows")
    shared = Path(os.environ.get("KGTOOL_SHARED", ROOT.parent / "shared"))
    ap.add_argument("--data", type=Path,
                    default=shared / "data" / "china-admin-divisions" / "national",
                    help="folder with provinces/cities/areas/streets.csv")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()

    from importlib.metadata import version
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu_model = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo", encoding="utf-8")
                      if ln.startswith("model name")), platform.processor()) \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    print(f"date {time.strftime('%Y-%m-%d %H:%M %Z')}; machine: {os.cpu_count()} CPU {cpu_model}, "
          f"{mem:.0f} GiB RAM, {platform.platform()}, Python {platform.python_version()}; "
          f"pyoxigraph {version('pyoxigraph')}, click {version('click')}, rdflib {version('rdflib')}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    parents = [a.data / f"{f}.csv" for f in ("provinces", "cities", "areas", "streets")]
    for p in parents:
        if not p.is_file():
            raise SystemExit(f"missing {p} (give --data)")
    tmp = Path(tempfile.mkdtemp(prefix="kgtool-link-scale-"))
    try:
        # ---- 1. national township file: import + link vs bulk load
        cache = tmp / "cache-national"
        ENV["KGTOOL_CACHE"] = str(cache)
        shared_data = shared / "data"
        run(CLI + ["import-reference", "industry", "--cache", str(cache),
                   str(shared_data / "gbt4754-2017-industry" / "gbt4754-2017_sections_divisions.csv")],
            tmp / "setup.log")
        run(CLI + ["import-reference", "wikidata", "--cache", str(cache),
                   str(shared_data / "wikidata-qids" / "qids.csv")], tmp / "setup.log")
        links = tmp / "links"
        a_cmds = [CLI + ["import-reference", "divisions", "--cache", str(cache), *map(str, parents)],
                  CLI + ["link", "--cache", str(cache), "--output-dir", str(links)]]
        run_all(a_cmds, tmp / "a.log")          # produce B's input (also the untimed warm-up of A)
        div_nt = cache / "reference" / "divisions.nt"
        links_nt = tmp / "links.nt"
        to_ntriples(links / "links.ttl", links_nt)
        n_links = sum(1 for _ in open(links_nt, "rb"))
        n_div = sum(1 for _ in open(div_nt, "rb"))
        print(f"\n1. national import + link: divisions.nt {n_div:,} triples "
              f"({div_nt.stat().st_size / 2**20:.1f} MiB), links {n_links:,} triples", flush=True)
        compare("national import + link vs bulk load", a_cmds, BARE + [str(div_nt), str(links_nt)],
                a.n, tmp, warm=True, target=3)

        if a.national_only:
            return
        # ---- 2. 620k villages: import vs bulk load
        villages = tmp / "villages.csv"
        t0 = time.perf_counter()
        rows = generate_villages(a.data / "streets.csv", villages, a.rows)
        print(f"\n2. generated {villages.name}: {rows:,} rows, {villages.stat().st_size / 2**20:.1f} MiB "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        cache = tmp / "cache-villages"
        ENV["KGTOOL_CACHE"] = str(cache)
        a_cmds = [CLI + ["import-reference", "divisions", "--cache", str(cache),
                         *map(str, parents), str(villages)]]
        div_nt = cache / "reference" / "divisions.nt"
        res = compare(f"{rows:,}-row villages import vs bulk load", a_cmds, BARE + [str(div_nt)],
                      a.n_villages, tmp, warm=False, target=2)
        print(f"   divisions.nt {triples_reported(tmp / 'a.log'):,} triples "
              f"({div_nt.stat().st_size / 2**20:.0f} MiB); peak RSS of the import "
              f"{res['peak_a'] / 1024:.0f} MiB [target < 1024 MiB: "
              f"{'met' if res['peak_a'] < GiB else 'MISSED'}]", flush=True)
    finally:
        print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
