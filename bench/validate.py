"""Benchmark: `kgtool validate` against Apache Jena SHACL on the same data and shapes.

For each size, bench/validate_gen.py writes renamed copies of the built graph (with planted
errors) as N-Triples; then kgtool (A) and Jena (B) run alternately as whole processes (A B A B
...), each timed by the wall clock, with its peak RSS from wait4(). Every run's SHACL report is
parsed and reduced to the set of (focus, path, severity, source shape); all runs of both must
give the same set, or the benchmark fails. Ratios are taken pair by pair (median).

    python bench/validate.py                       # sizes 5k 45k 445k 1M, pairs 3 3 2 1;
                                                   # pySHACL once at 5k and 45k
    python bench/validate.py --sizes 1,9 --pairs 3 --pyshacl 0
    python bench/validate.py --build               # build of the real graph vs loading it

Needs Jena (scripts/jena.sh installs it). Data goes to bench/data/ (git-ignored).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from validate_gen import generate  # noqa: E402

PY = sys.executable
JENA = ROOT / "scripts" / "jena.sh"


def run(cmd: list[str], out: Path) -> tuple[float, float]:
    """Run `cmd` with stdout to `out`; (wall seconds, peak RSS MiB) of that process."""
    with out.open("wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.PIPE, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed ({code}): {err[-500:]}")
    return wall, usage.ru_maxrss / 1024


def keys(report: Path) -> frozenset[tuple[str, str, str, str]]:
    from rdflib import BNode, Graph
    from rdflib.namespace import SH

    g = Graph().parse(report, format="turtle")
    out = set()
    for r in g.objects(None, SH.result):
        path, shape = g.value(r, SH.resultPath), g.value(r, SH.sourceShape)
        out.add((str(g.value(r, SH.focusNode)),
                 "" if path is None else "[path]" if isinstance(path, BNode) else str(path),
                 str(g.value(r, SH.resultSeverity)), "[]" if isinstance(shape, BNode) else str(shape)))
    return frozenset(out)


def commands(data: Path, shapes: Path) -> dict[str, list[str]]:
    kg = [PY, "-m", "kgtool", "validate", "--format", "turtle", "--project", str(ROOT), str(data)]
    return {"kgtool": kg,
            "pyshacl": kg[:4] + ["--engine", "pyshacl"] + kg[4:],
            "jena": [str(JENA), "shacl", "validate", "--shapes", str(shapes), "--data", str(data)]}


def bench_size(copies: int, pairs: int, shapes: Path, tmp: Path, with_pyshacl: bool) -> dict:
    data = ROOT / "bench" / "data" / f"validate-{copies}.nt"
    triples = generate(ROOT / "graph" / "songjiang.ttl", copies, data)
    cmds = commands(data, shapes)
    times: dict[str, list[float]] = {"kgtool": [], "jena": [], "pyshacl": []}
    rss: dict[str, list[float]] = {"kgtool": [], "jena": [], "pyshacl": []}
    found: dict[str, set] = {"kgtool": set(), "jena": set(), "pyshacl": set()}
    order = ["kgtool", "jena"]
    for i in range(pairs):
        for name in order:
            out = tmp / f"{name}-{copies}-{i}.ttl"
            wall, peak = run(cmds[name], out)
            times[name].append(wall)
            rss[name].append(peak)
            found[name].add(keys(out))
    if with_pyshacl:
        out = tmp / f"pyshacl-{copies}.ttl"
        wall, peak = run(cmds["pyshacl"], out)
        times["pyshacl"].append(wall)
        rss["pyshacl"].append(peak)
        found["pyshacl"].add(keys(out))
    sets = set().union(*(v for v in found.values() if v))
    if len(sets) != 1:
        raise SystemExit(f"{copies} copies: the engines disagree ({len(sets)} different result sets)")
    (results,) = sets
    ratios = [a / b for a, b in zip(times["kgtool"], times["jena"])]
    return {"copies": copies, "triples": triples, "results": len(results),
            "violations": sum(1 for r in results if r[2].endswith("Violation")),
            "kgtool_s": statistics.median(times["kgtool"]), "jena_s": statistics.median(times["jena"]),
            "ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
            "kgtool_mib": max(rss["kgtool"]), "jena_mib": max(rss["jena"]),
            "pyshacl_s": times["pyshacl"][0] if times["pyshacl"] else None,
            "pyshacl_mib": rss["pyshacl"][0] if rss["pyshacl"] else None, "pairs": pairs}


def bench_build(pairs: int, tmp: Path) -> None:
    """Whole-process `build` (to a temp file) vs whole-process loading of the built graph into
    rdflib (what the build's own assembling starts from), alternately."""
    build = [PY, "-c", "import sys; from pathlib import Path; from kgtool import build; "
             "from kgtool.project import locate; build.build(locate(sys.argv[1]), output=Path(sys.argv[2]))",
             str(ROOT), str(tmp / "built.ttl")]
    load = [PY, "-c", "import sys; from rdflib import Graph; Graph().parse(sys.argv[1])",
            str(ROOT / "graph" / "songjiang.ttl")]
    b, ld = [], []
    for _ in range(pairs):
        b.append(run(build, tmp / "build.out")[0])
        ld.append(run(load, tmp / "load.out")[0])
    diffs = [x - y for x, y in zip(b, ld)]
    print(f"build {statistics.median(b):.2f} s, load {statistics.median(ld):.2f} s, build - load "
          f"median {statistics.median(diffs):.2f} s (min {min(diffs):.2f}, max {max(diffs):.2f}), n={pairs}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,9,88,198", help="copies of the built graph per size")
    ap.add_argument("--pairs", default="3,3,2,1", help="A/B pairs per size (one number: all)")
    ap.add_argument("--pyshacl", type=int, default=9, metavar="COPIES",
                    help="also one pySHACL run at sizes up to this many copies (default 9; 0: none)")
    ap.add_argument("--build", action="store_true", help="only: build of the real graph vs loading it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        if a.build:
            bench_build(int(a.pairs.split(",")[0]) if "," not in a.pairs else 5, tmp)
            return
        subprocess.run([str(JENA), "install"], check=True)
        shapes = tmp / "shapes.ttl"
        shapes.write_text("\n".join((ROOT / "ontology" / f).read_text(encoding="utf-8")
                                    for f in ("shapes.ttl", "shapes-links.ttl")), encoding="utf-8")
        sizes = [int(x) for x in a.sizes.split(",")]
        pairs = [int(x) for x in a.pairs.split(",")]
        pairs = pairs * len(sizes) if len(pairs) == 1 else pairs
        print("| triples | results (violations) | pairs | kgtool s | Jena s | kgtool/Jena (min–max) "
              "| kgtool MiB | Jena MiB | pySHACL s | pySHACL MiB |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for copies, n in zip(sizes, pairs):
            r = bench_size(copies, n, shapes, tmp, copies <= a.pyshacl)
            py = f"{r['pyshacl_s']:.1f}" if r["pyshacl_s"] is not None else "–"
            pym = f"{r['pyshacl_mib']:.0f}" if r["pyshacl_mib"] is not None else "–"
            print(f"| {r['triples']:,} | {r['results']} ({r['violations']}) | {r['pairs']} | "
                  f"{r['kgtool_s']:.2f} | {r['jena_s']:.2f} | **{r['ratio']:.2f}** "
                  f"({r['ratio_min']:.2f}–{r['ratio_max']:.2f}) | {r['kgtool_mib']:.0f} | "
                  f"{r['jena_mib']:.0f} | {py} | {pym} |", flush=True)


if __name__ == "__main__":
    main()
