"""Generate a large graph in kgtool's model for the benchmark (deterministic).

The output is the built graph itself plus synthetic observations, places, indicators and
periods shaped like the article's (same classes and properties), so the named queries do the
same joins they do on the real graph and still find the real answer among the noise:

    python bench/gen.py --triples 1000000 --out bench/data/big.ttl [--base graph/songjiang.ttl]

Never committed (bench/data/ is git-ignored).
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

HEAD = """@prefix kg: <https://w3id.org/kgtool/def/> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix g: <https://w3id.org/kgtool/id/bench/> .
"""
CHARS = "东南西北中上下新城镇区县乡村街道工业园产业科技信息装备材料健康消费文旅影视智能制造"


def name(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(CHARS) for _ in range(n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base", type=Path, default=Path("graph/songjiang.ttl"),
                    help="the built graph to include (default graph/songjiang.ttl)")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    base = a.base.read_text(encoding="utf-8")
    import pyoxigraph  # only to count the base graph's triples exactly

    count = sum(1 for _ in pyoxigraph.parse(input=base.encode("utf-8"),
                                            format=pyoxigraph.RdfFormat.TURTLE))
    lines = [HEAD]
    n_places, n_ind, years = 3000, 200, list(range(2000, 2025))
    for i in range(n_places):
        lines.append(f'g:p{i} a kg:District ; skos:prefLabel "{name(rng, 3)}区"@zh-Hans , '
                     f'"District {i}"@en ; schema:containedInPlace g:p{i // 16} .\n')
    for i in range(n_ind):
        lines.append(f'g:i{i} a skos:Concept ; skos:prefLabel "{name(rng, 4)}数量"@zh-Hans .\n')
    for y in years:
        lines.append(f'g:y{y} a time:ProperInterval ; rdfs:label "{y}"@en ; time:hasBeginning g:y{y}b .\n'
                     f'g:y{y}b a time:Instant ; time:inXSDDate "{y}-01-01"^^xsd:date .\n')
    count += n_places * 4 + n_ind * 2 + len(years) * 5
    i = 0
    while count < a.triples:
        value = f"{rng.randint(1, 99999)}.{rng.randint(0, 9)}0"   # trailing zeros, as in real data
        lines.append(
            f"g:o{i} a qb:Observation ; kg:indicator g:i{rng.randrange(n_ind)} ; "
            f"sdmx-dimension:refArea g:p{rng.randrange(n_places)} ; "
            f"sdmx-dimension:refPeriod g:y{rng.choice(years)} ; sdmx-measure:obsValue {value} ; "
            f"sdmx-attribute:unitMeasure unit:NUM ; kg:rank {rng.randint(1, 16)} ; "
            f'kg:reportedValue "{value}家"@zh-Hans .\n')
        count += 8
        i += 1
    with a.out.open("w", encoding="utf-8") as fh:
        fh.write(base)
        fh.write("\n")
        fh.writelines(lines)
    print(f"wrote {a.out} (~{count} triples)")


if __name__ == "__main__":
    main()
