"""Import the GB/T 2260 county-level code history (yescallop/areacodes `result.csv`).

Why a record per (code, start year) and not per code: codes recur — 359 national codes were used
for one unit, retired and later given to another (120110 东郊区 1981–1992, then 东丽区 from 1992).
One IRI per code would merge two different places, so each row becomes
`…/id/division-code/{code}-{start}`, and the uniqueness the issue asks for is on that pair.

Successors: `新代码` lists codes separated by `;`; a bare code replaced this one
(`dct:isReplacedBy`, e.g. 310227 松江县 → 310117 松江区 in 1998); a code with `[yyyy]` only took
over territory in that year (`kg:boundaryChangeTo`). Each successor is resolved to the record of
that code in use in the change year; `kg:successorCode` keeps the code itself as written.
Records still in use point to the NBS division they are a version of (`dct:isVersionOf`), so a
query can go from an old code to today's unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from kgtool.errors import InputError
from kgtool.namespaces import ID
from kgtool.reference.common import (
    A, CODE_VERSION, DCT, GBT2260_CODE, GBT2260_HISTORY, KG, OWL, PROV, SKOS, XSD,
    DatasetProfile, NTriplesWriter, dataset_iri, display, division_iri, iri, lit,
    provenance_triples, read_csv,
)

COLUMNS = ("代码", "一级行政区", "二级行政区", "名称", "级别", "状态", "启用时间", "变更/弃用时间", "新代码")
STATUSES = {"在用": "in use", "弃用": "retired", "变更": "changed"}
LEVELS = {"省级": 2, "地级": 4, "县级": 6}
_CODE = re.compile(r"[1-9][0-9]{5}\Z")
_YEAR = re.compile(r"(19|20)[0-9]{2}\Z")
_SUCCESSOR = re.compile(r"([0-9]{6})(?:\[((?:19|20)[0-9]{2})\])?\Z")


def scheme_iri(profile: DatasetProfile = GBT2260_HISTORY) -> str:
    return ID + "scheme/" + profile.key


@dataclass(frozen=True)
class CodeRecord:
    """One row of the history: a code in use from `start` (inclusive) to `end` (exclusive)."""

    code: str
    name: str
    level: str
    status: str
    start: int
    end: int | None
    successors: tuple[tuple[str, int | None], ...]   # (code, boundary-change year or None)
    line: int

    @property
    def key(self) -> str:
        return f"{self.code}-{self.start}"

    def in_use(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year < self.end)


def canonical_division(code: str, level: str) -> str:
    """The NBS division code (our IRI form) for a GB/T 2260 code: 310000 → 31, 130100 → 1301."""
    return code[:LEVELS.get(level, 6)]


def read_history(path: Path) -> list[CodeRecord]:
    """Every row, checked: 6-digit codes, 4-digit years, known status, well-formed successors,
    and (code, start year) unique. The file is small (6,823 rows), so it is read whole."""
    source = display(path)
    _, rows = read_csv(path, COLUMNS)
    records: list[CodeRecord] = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        c = row.cells
        code = c["代码"]
        if not _CODE.match(code):
            raise InputError(f"malformed code {code!r}: expected 6 digits", source=source,
                             line=row.line, column=row.column_of("代码"))
        if c["级别"] not in LEVELS:
            raise InputError(f"unknown level {c['级别']!r} (expected {', '.join(LEVELS)})",
                             source=source, line=row.line, column=row.column_of("级别"))
        if c["状态"] not in STATUSES:
            raise InputError(f"unknown status {c['状态']!r} (expected {', '.join(STATUSES)})",
                             source=source, line=row.line, column=row.column_of("状态"))
        if not _YEAR.match(c["启用时间"]):
            raise InputError(f"malformed start year {c['启用时间']!r}", source=source,
                             line=row.line, column=row.column_of("启用时间"))
        end_text = c["变更/弃用时间"]
        if end_text and not _YEAR.match(end_text):
            raise InputError(f"malformed end year {end_text!r}", source=source, line=row.line,
                             column=row.column_of("变更/弃用时间"))
        successors: list[tuple[str, int | None]] = []
        for part in filter(None, (p.strip() for p in c["新代码"].split(";"))):
            match = _SUCCESSOR.match(part)
            if not match:
                raise InputError(f"malformed successor {part!r} (expected 6 digits, optionally "
                                 "followed by [yyyy])", source=source, line=row.line,
                                 column=row.column_of("新代码"))
            successors.append((match.group(1), int(match.group(2)) if match.group(2) else None))
        start = int(c["启用时间"])
        key = (code, start)
        if key in seen:
            raise InputError(f"duplicate code {code} with start year {start} (first on line "
                             f"{seen[key]})", source=source, line=row.line,
                             column=row.column_of("代码"))
        seen[key] = row.line
        records.append(CodeRecord(code, c["名称"], c["级别"], c["状态"], start,
                                  int(end_text) if end_text else None, tuple(successors), row.line))
    return records


def resolve(records: Sequence[CodeRecord], code: str, year: int) -> CodeRecord | None:
    """The record of `code` in use in `year` (the successor a change points to), if any."""
    for record in records:
        if record.code == code and record.in_use(year):
            return record
    return None


def write_graph(paths: Sequence[Path], target: Path, *, profile: DatasetProfile = GBT2260_HISTORY,
                overrides: dict[str, str] | None = None) -> int:
    """Import the history file(s) into `target` (N-Triples, atomic); returns the triple count."""
    records: list[CodeRecord] = []
    origin: dict[int, str] = {}
    for path in paths:
        for record in read_history(path):
            origin[id(record)] = path.name
            records.append(record)
    by_code: dict[str, list[CodeRecord]] = {}
    for record in records:
        by_code.setdefault(record.code, []).append(record)
    scheme = iri(scheme_iri(profile))
    year = XSD + "gYear"
    with NTriplesWriter(target) as out:
        w = out.triple
        provenance_triples(out, profile, paths, overrides)
        w(scheme, A, iri(SKOS + "ConceptScheme"))
        w(scheme, iri(SKOS + "prefLabel"), lit("县级以上行政区划代码沿革", lang="zh-Hans"))
        w(scheme, iri(SKOS + "prefLabel"), lit("GB/T 2260 division code history", lang="en"))
        w(scheme, iri(PROV + "wasDerivedFrom"), iri(dataset_iri(profile)))
        for r in records:
            s = iri(CODE_VERSION + r.key)
            w(s, A, iri(SKOS + "Concept"))
            w(s, iri(SKOS + "inScheme"), scheme)
            w(s, iri(SKOS + "notation"), lit(r.code, datatype=GBT2260_CODE))
            w(s, iri(SKOS + "prefLabel"), lit(r.name, lang="zh-Hans"))
            w(s, iri(KG + "codeLevel"), lit(r.level, lang="zh-Hans"))
            w(s, iri(KG + "codeStatus"), lit(r.status, lang="zh-Hans"))
            w(s, iri(KG + "inUseFrom"), lit(str(r.start), datatype=year))
            if r.end is not None:
                w(s, iri(KG + "inUseUntil"), lit(str(r.end), datatype=year))
            if r.status != "在用":
                w(s, iri(OWL + "deprecated"), lit("true", datatype=XSD + "boolean"))
            else:
                w(s, iri(DCT + "isVersionOf"), iri(division_iri(canonical_division(r.code, r.level))))
            for code, changed in r.successors:
                w(s, iri(KG + "successorCode"), lit(code, datatype=GBT2260_CODE))
                when = changed if changed is not None else r.end
                target_record = resolve(by_code.get(code, ()), code, when) if when else None
                if target_record is None:
                    continue
                prop = "boundaryChangeTo" if changed is not None else None
                if prop:
                    w(s, iri(KG + prop), iri(CODE_VERSION + target_record.key))
                else:
                    w(s, iri(DCT + "isReplacedBy"), iri(CODE_VERSION + target_record.key))
            w(s, iri(PROV + "wasDerivedFrom"), iri(f"{dataset_iri(profile)}/file/{origin[id(r)]}"))
    return out.count


def default_inputs(data: Path, options: Any) -> list[Path]:
    return [data / "china-admin-code-history" / "national-county-level-history.csv"]


def import_files(inputs: Sequence[Path], target: Path, options: Any) -> int:
    """The registry's entry point (kgtool.reference.IMPORTERS)."""
    return write_graph(inputs, target, overrides=options.overrides)
