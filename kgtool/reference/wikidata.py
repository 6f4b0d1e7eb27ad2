"""Import the verified rows of the Wikidata QID table (`wikidata-qids/qids.csv`).

Only rows with `status = verified` and a QID are imported: the table's README says the others
were searched for and not found, and a guessed QID is worse than none. Each QID keeps its
evidence (where it was seen) so the link it supports can be audited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from kgtool.errors import InputError
from kgtool.reference.common import (
    A, KG, PROV, RDFS, WIKIDATA, WIKIDATA_QIDS, DatasetProfile, NTriplesWriter, dataset_iri,
    display, iri, lit, provenance_triples, read_csv,
)

COLUMNS = ("entity_zh", "entity_en", "qid", "status", "evidence")
_QID = re.compile(r"Q[1-9][0-9]*\Z")


@dataclass(frozen=True)
class Qid:
    """A verified row: the entity's names, its QID and the evidence for it."""

    qid: str
    name_zh: str
    name_en: str
    evidence: str
    line: int


def read_qids(path: Path) -> list[Qid]:
    """Verified rows only; a verified row without a well-formed QID, or a repeated QID, fails."""
    source = display(path)
    _, rows = read_csv(path, COLUMNS)
    out: list[Qid] = []
    seen: dict[str, int] = {}
    for row in rows:
        c = row.cells
        if c["status"] != "verified":
            continue
        if not _QID.match(c["qid"]):
            raise InputError(f"verified row has malformed QID {c['qid']!r}", source=source,
                             line=row.line, column=row.column_of("qid"))
        if c["qid"] in seen:
            raise InputError(f"duplicate QID {c['qid']} (first on line {seen[c['qid']]})",
                             source=source, line=row.line, column=row.column_of("qid"))
        seen[c["qid"]] = row.line
        out.append(Qid(c["qid"], c["entity_zh"], c["entity_en"], c["evidence"], row.line))
    return out


def write_graph(paths: Sequence[Path], target: Path, *, profile: DatasetProfile = WIKIDATA_QIDS,
                overrides: dict[str, str] | None = None) -> int:
    """Import the verified QIDs into `target` (N-Triples, atomic); returns the triple count."""
    rows = [q for path in paths for q in read_qids(path)]
    with NTriplesWriter(target) as out:
        w = out.triple
        provenance_triples(out, profile, paths, overrides)
        for q in rows:
            s = iri(WIKIDATA + q.qid)
            w(s, A, iri(KG + "WikidataItem"))
            w(s, iri(RDFS + "label"), lit(q.name_zh, lang="zh-Hans"))
            if q.name_en:
                w(s, iri(RDFS + "label"), lit(q.name_en, lang="en"))
            w(s, iri(KG + "evidence"), lit(q.evidence))
            w(s, iri(PROV + "wasDerivedFrom"), iri(dataset_iri(profile)))
    return out.count


def default_inputs(data: Path, options: Any) -> list[Path]:
    return [data / "wikidata-qids" / "qids.csv"]


def import_files(inputs: Sequence[Path], target: Path, options: Any) -> int:
    """The registry's entry point (kgtool.reference.IMPORTERS)."""
    return write_graph(inputs, target, overrides=options.overrides)
