"""Does Chinese word segmentation help `kgtool propose`? (issue 13 point 4)

Measures the draft with and without jieba (0.42.1, dictionary-based, offline; the graph's own
labels added to its dictionary with `jieba.add_word`). jieba's part-of-speech tags propose extra
names: `nr` person, `nt` organisation, `ns` place (two characters or more); they join the
tiling as pattern names. Same scoring as bench/propose.py. jieba is not a dependency: point
JIEBA_PATH at a folder where it is installed (`pip install --target DIR jieba==0.42.1`).

    JIEBA_PATH=/tmp/jieba_pkg .venv/bin/python bench/propose_jieba.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("JIEBA_PATH"):
    sys.path.insert(0, os.environ["JIEBA_PATH"])

sys.path.insert(0, str(ROOT / "bench"))
from propose import ARTICLE, BULLETIN  # noqa: E402  (bench/propose.py)
from kgtool.project import locate  # noqa: E402
from kgtool.propose import Inputs, compare, default_inputs  # noqa: E402
from kgtool.propose import draft as draft_mod  # noqa: E402
from kgtool.propose import rules as rules_mod  # noqa: E402
from kgtool.propose.gazetteer import Name  # noqa: E402
from kgtool.propose.source import parse_published, read_text_file  # noqa: E402
from kgtool.propose.text import clean_view  # noqa: E402

KIND = {"nr": ("person", "foaf:Person"), "nt": ("org", "org:Organization"), "ns": ("place", "schema:Place")}


def jieba_names(text: str, known: list[Name]) -> list[Name]:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    for n in known:
        if n.origin == "graph":
            jieba.add_word(n.surface)
    out: dict[str, Name] = {}
    for word, flag in pseg.cut(text):
        if flag in KIND and len(word) >= 2:
            kind, cls = KIND[flag]
            out.setdefault(word, Name(word, f"{kind}/{word}", (cls,), "pattern", 0.4))
    return list(out.values())


def score(doc: tuple, inputs: Inputs, use_jieba: bool) -> tuple[compare.Score, float]:
    name, path, published, graphs, quoted = doc
    rules = rules_mod.load()
    text = read_text_file(path, str(path))
    names = draft_mod.load_names(inputs.graph, inputs.divisions, inputs.industry, rules)
    start = time.perf_counter()
    if use_jieba:
        names = names + jieba_names(clean_view(text, rules).clean, names)
    ctx = draft_mod.Context(names=names, published=parse_published(published), source_key=name)
    draft = draft_mod.build(text, rules, ctx)
    elapsed = time.perf_counter() - start
    return compare.score(draft, compare.load_curated(graphs, quoted)), elapsed


def main() -> None:
    project = locate(ROOT)
    full = default_inputs(project)
    modes = (("graph + reference", full), ("reference only", Inputs(None, full.divisions, full.industry)))
    print("| document | dictionary | jieba | entity recall | mention precision | stats recall | time |")
    print("|---|---|---|---|---|---|---|")
    for doc in (ARTICLE, BULLETIN):
        for label, inputs in modes:
            for use in (False, True):
                s, elapsed = score(doc, inputs, use)
                print(f"| {doc[0]} | {label} | {'yes' if use else 'no'} | "
                      f"{s.entities_found}/{s.entities_total} = {s.entity_recall:.1%} | "
                      f"{s.mention_proposals_matched}/{s.mention_proposals} = {s.entity_precision:.1%} | "
                      f"{s.stat_recall:.1%} | {elapsed:.2f} s |")


if __name__ == "__main__":
    main()
