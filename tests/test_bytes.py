"""Issue 10.5, stable bytes: every export format and every `--what` gives byte-identical output
across processes with different `PYTHONHASHSEED` values (rdflib's own JSON-LD and RDF/XML
writers and its blank-node labels did not), and `--what shapes` includes the link shapes.

The three processes run in parallel; each renders all 4 x 6 combinations of the real project
and prints one SHA-256 per combination (the parts of each `--what` are those `collect` gives
for "all", which is how `collect` builds them).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rdflib import BNode, Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import hashlib, sys
from kgtool.export import FORMATS, WHATS, collect, render
from kgtool.project import Project
from pathlib import Path
project = Project(root=Path(sys.argv[1]), data_dir=Path(sys.argv[1]))
every = collect(project, "all")  # = the data parts + ontology + shapes, parsed once
for what in WHATS:
    parts = [p for p in every if what == "all" or (p.key in ("ontology", "shapes")) == (what != "data")
             and (what == "data" or p.key == what)]
    for fmt in FORMATS:
        data = render(parts, fmt)
        print(what, fmt, len(data), hashlib.sha256(data).hexdigest())
"""


def test_every_format_and_part_is_byte_identical_across_hash_seeds() -> None:
    procs = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        procs.append(subprocess.Popen([sys.executable, "-c", SCRIPT, str(ROOT)], cwd=ROOT,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        outs.append(out)
    lines = outs[0].splitlines()
    assert len(lines) == 4 * 6 and all(int(line.split()[2]) > 0 for line in lines)
    assert outs[0] == outs[1] == outs[2]


def test_shapes_include_the_link_shapes_and_blank_nodes_get_content_labels(real_project) -> None:
    import kgtool.export as ex

    link_shapes = Graph().parse(real_project.link_shapes)
    parts = ex.collect(real_project, "shapes")
    assert [p.key for p in parts] == ["shapes"]
    shapes = parts[0].graph
    named = {s for s in link_shapes.subjects() if isinstance(s, URIRef)}
    assert named and named <= set(shapes.subjects())
    assert len(shapes) >= len(link_shapes) + len(Graph().parse(real_project.shapes)) - 5
    # Labels are content hashes: the same label for the same node, whatever the parse order.
    labels = {str(t) for tr in shapes for t in tr if isinstance(t, BNode)}
    assert labels and all(lbl.startswith("b") and len(lbl) > 32 for lbl in labels)
    again = {str(t) for tr in ex.collect(real_project, "shapes")[0].graph for t in tr
             if isinstance(t, BNode)}
    assert again == labels
