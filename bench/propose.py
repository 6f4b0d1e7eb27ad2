"""Benchmark `kgtool propose` against curated facts (issue 13 point 3); figures go in bench/README.md.

For each test document: run propose, compare with its curated facts (kgtool.propose.compare):
recall of curated statistics (value + unit + period), recall of curated entities (IRI or label;
events also by date), and the precision of the draft's statistics and mentions. Each document is
run with the curated graph's labels as a dictionary and without them (patterns and reference
data only), because on the article itself the graph's labels are the answer key.

    .venv/bin/python bench/propose.py            # prints a Markdown table
    .venv/bin/python bench/propose.py --scale    # ... and times a 2 MB generated text
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kgtool.project import locate  # noqa: E402
from kgtool.propose import Inputs, compare, default_inputs, propose_text  # noqa: E402
from kgtool.propose.source import SourceText, parse_published, read_text_file  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "sources"
# (name, text, publication date, curated graphs, file whose quoted nodes are this document's facts)
ARTICLE = ("article", ROOT / "seeds" / "songjiang-advanced-manufacturing.txt", "2025",
           [ROOT / "graph" / "songjiang.ttl"], None)
BULLETIN = ("bulletin", FIXTURE / "songjiang-bulletin-2025.txt", "2025-12-20",
            [ROOT / "graph" / "songjiang.ttl", FIXTURE / "songjiang-bulletin-2025" / "facts.ttl"],
            FIXTURE / "songjiang-bulletin-2025" / "facts.ttl")


def run(doc: tuple, inputs: Inputs) -> tuple[compare.Score, float]:
    name, path, published, graphs, quoted = doc
    src = SourceText(name, str(path), read_text_file(path, str(path)), parse_published(published))
    start = time.perf_counter()
    draft = propose_text(src, inputs)
    elapsed = time.perf_counter() - start
    return compare.score(draft, compare.load_curated(graphs, quoted)), elapsed


def main() -> None:
    project = locate(ROOT)
    full = default_inputs(project)
    no_graph = Inputs(None, full.divisions, full.industry)
    print("| document | dictionary | stats recall | stats precision | refArea as curated | "
          "indicator as curated | entity recall | mention precision | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for doc in (ARTICLE, BULLETIN):
        if not doc[1].is_file():
            print(f"| {doc[0]} | (missing: {doc[1]}) | | | | | | | |")
            continue
        for label, inputs in (("graph + reference", full), ("reference only", no_graph)):
            s, elapsed = run(doc, inputs)
            print(f"| {doc[0]} | {label} | {s.stats_found}/{s.stats_total} = {s.stat_recall:.1%} | "
                  f"{s.stat_proposals_matched}/{s.stat_proposals} = {s.stat_precision:.1%} | "
                  f"{s.areas_agree}/{s.stats_found} | {s.indicators_agree}/{s.stats_found} | "
                  f"{s.entities_found}/{s.entities_total} = {s.entity_recall:.1%} | "
                  f"{s.mention_proposals_matched}/{s.mention_proposals} = {s.entity_precision:.1%} | "
                  f"{elapsed:.2f} s |")
            if "-v" in sys.argv:
                for m in s.missed_stats:
                    print(f"    missed statistic {m}", file=sys.stderr)
                for e in s.missed_entities:
                    print(f"    missed entity {e.key}", file=sys.stderr)


def scale() -> None:
    """Time a generated text just under the 2 MiB input limit (the article repeated with its
    numbers and years varied, so sentences differ); nothing is written into the checkout."""
    import resource
    import tempfile

    from kgtool.propose.source import MAX_BYTES

    base = ARTICLE[1].read_text(encoding="utf-8")
    parts, n = [], 0
    while sum(len(p.encode()) for p in parts) + len(base.encode()) < MAX_BYTES:
        n += 1
        parts.append(base.replace("2024年", f"{1900 + n % 100}年").replace("1718家", f"{1000 + n}家"))
    text = "".join(parts)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        path.write_text(text, encoding="utf-8")
        src = SourceText("big", str(path), read_text_file(path, str(path)), parse_published("2025"))
        start, cpu = time.perf_counter(), time.process_time()
        draft = propose_text(src, default_inputs(locate(ROOT)))
        wall, used = time.perf_counter() - start, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale: {len(text.encode()) / 1e6:.2f} MB ({len(text)} characters, {n} copies): "
          f"{len(draft.proposals)} proposals, {len(draft.skipped)} skipped, {wall:.1f} s wall, "
          f"{used:.1f} s CPU, peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
    if "--scale" in sys.argv:
        scale()
