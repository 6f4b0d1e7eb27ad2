"""Generate validation benchmark data: N renamed copies of the built graph, with a few errors.

Why copies: every node then has the real graph's shape (labels, provenance spans whose quotes
are proven against the article, units, codes, links), so each constraint does the work it does
on the real graph, and the few planted errors are found among valid data. Copy k renames every
`https://w3id.org/kgtool/id/...` IRI to `.../id/...~k` except the shared reference data
(source documents, divisions, schemes), so spans of every copy point into the one article.

Planted errors (deterministic), in copies 0, 10, 20, ...: one fact loses its provenance, one quote
is altered (one character), one observation value becomes a plain string.

    python bench/validate_gen.py --copies 82 --out bench/data/validate-445k.nt

Output is N-Triples (read by kgtool and Jena alike); bench/data/ is git-ignored.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pyoxigraph as ox

ID = "https://w3id.org/kgtool/id/"
SHARED = ("source/", "division/", "scheme/")
PROV = "http://www.w3.org/ns/prov#wasDerivedFrom"
EXACT = "http://www.w3.org/ns/oa#exact"
OBS_VALUE = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"


def rename(term: object, k: int) -> object:
    if k and isinstance(term, ox.NamedNode) and term.value.startswith(ID) \
            and not term.value[len(ID):].startswith(SHARED):
        return ox.NamedNode(f"{term.value}~{k}")
    if k and isinstance(term, ox.BlankNode):
        return ox.BlankNode(f"{term.value}x{k}")
    return term


def generate(base: Path, copies: int, out: Path) -> int:
    triples = [(q.subject, q.predicate, q.object) for q in ox.parse(path=str(base), format=ox.RdfFormat.TURTLE)]
    shared = [t for t in triples if rename(t[0], 1) == t[0]]
    own = [t for t in triples if rename(t[0], 1) != t[0]]
    drop_prov = next(t for t in own if t[1].value == PROV)
    alter = next(t for t in own if t[1].value == EXACT)
    retype = next(t for t in own if t[1].value == OBS_VALUE)
    n = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")

    def emit() -> object:
        nonlocal n
        for t in shared:
            n += 1
            yield ox.Triple(*t)
        for k in range(copies):
            planted = k % 10 == 0
            for s, p, o in own:
                if planted and (s, p, o) == drop_prov:
                    continue
                if planted and (s, p, o) == alter:
                    o = ox.Literal(o.value[:-1] + ("松" if o.value[-1] != "松" else "江"))
                if planted and (s, p, o) == retype:
                    o = ox.Literal(o.value)
                n += 1
                yield ox.Triple(rename(s, k), p, rename(o, k))

    ox.serialize(emit(), output=str(tmp), format=ox.RdfFormat.N_TRIPLES)
    tmp.replace(out)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base", type=Path, default=Path("graph/songjiang.ttl"))
    a = ap.parse_args()
    print(f"{a.out}: {generate(a.base, a.copies, a.out)} triples")


if __name__ == "__main__":
    main()
