"""Match the graph's entities to the reference datasets and write auditable links (issue #4).

Places are matched by name *and containment*, never by first hit:

1. names are normalised (NFKC: full-width → half-width, all whitespace removed);
2. a candidate is a division whose name equals the mention, or — only if no division has the
   exact name — whose name equals it once one administrative suffix (街道/镇/乡/区/县/市) is
   stripped from both (and at least two characters are left: 唐镇 is never "唐");
3. candidates must lie strictly inside the context (the division the mention's container was
   linked to; the whole country when there is none) and at the level the entity's type allows
   (a kg:Town is a township-level 镇 or 乡, a kg:District a county-level 区 …);
4. exactly one candidate → linked; several → **ambiguous** (reported, never linked); none →
   a mention may still start with its container's name ("松江洞泾", "上海市松江区"): that prefix
   is resolved first and the rest inside it.

Entities that are not administrative divisions (kg:NewCity, kg:SpecialZone, kg:Park, kg:Facility,
kg:Region, foreign places) are never matched against division names at all: "松江综保区" must not
become a township because a stripped name happens to fit.

Industry mappings are not inferred: they come from the committed, hand-justified table
`graph/mappings/industry-gbt4754.tsv`, and `link` only checks that both ends exist (and that the
GB/T 4754 name in the table is the one in the reference graph).

Outputs are deterministic (sorted, no blank nodes, dates taken from the committed SSSOM file):
`graph/links.ttl` (mapping triples + one `owl:Axiom` link node per mapping, with provenance, the
reference records the links point to, and the VoID linksets) and `graph/links.sssom.tsv`.

The package reads as the data flows: `names` (normalisation), `matching` (the division index and
the resolver), `references` (the imported reference graphs), `links` (building the links),
`write` (links.ttl, links.sssom.tsv and the report), `files` (writing or checking them in a
folder), `gold` (gold sets and precision/recall).
"""
from __future__ import annotations

from kgtool.link.files import link_files, stale_files, write_files
from kgtool.link.gold import (
    GoldMention, Score, generate_nbs_gold, gold_scores, read_gold, score, write_gold,
)
from kgtool.link.links import Link, LinkResult, build_links
from kgtool.link.matching import (
    ANY, DIVISION_TYPES, Constraint, DivisionIndex, Place, PlaceOutcome, Resolution, link_places,
    places_from_graph,
)
from kgtool.link.names import normalize, strip_suffix, to_fullwidth
from kgtool.link.references import REFERENCE_FILES, reference_path
from kgtool.link.write import (
    LINKS_SSSOM, LINKS_TTL, SSSOM_COLUMNS, committed_date, render, report, to_graph, to_sssom, today,
)

__all__ = [
    "ANY", "Constraint", "DIVISION_TYPES", "DivisionIndex", "GoldMention", "LINKS_SSSOM", "LINKS_TTL",
    "Link", "LinkResult", "Place", "PlaceOutcome", "REFERENCE_FILES", "Resolution", "SSSOM_COLUMNS",
    "Score", "build_links", "committed_date", "generate_nbs_gold", "gold_scores", "link_files",
    "link_places", "normalize", "stale_files", "write_files",
    "places_from_graph", "read_gold", "reference_path", "render", "report", "score", "strip_suffix",
    "to_fullwidth", "to_graph", "to_sssom", "today", "write_gold",
]
