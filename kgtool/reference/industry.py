"""Import GB/T 4754-2017 (国民经济行业分类) into a SKOS/XKOS reference graph.

Required: the 20 sections (门类, A–T) and 97 divisions (大类, 01–97) of the derived table
`gbt4754-2017_sections_divisions.csv`, plus the collection of the 41 industrial divisions
(sections B, C and D = divisions 06–46, the "41个工业大类" the article counts), checked to be
exactly 41 so that a future edition that moves a boundary fails loudly instead of linking wrong.

Optional: the full four-level tree from the SAH01 sheet (`gbt4754-2017_sah01_flat.csv`). That
sheet has known defects (its README): two merged amendment rows, two merged names, and 3-digit
groups left out where a group has a single class. They are fixed by a committed corrections file
(`graph/mappings/gbt4754-2017-corrections.csv`) — never by editing the source — and every fixed
concept says so (`kg:correction`), with the corrections file's SHA-256 in the provenance. A
missing single-class group is synthesised from its class (the standard prints the two on one
line with one name), marked the same way.

No licence is stated by either source: the graph says "not stated" rather than guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from kgtool.errors import InputError
from kgtool.reference.common import (
    A, DCT, GBT4754, GBT4754_TABLE, KG, PROV, SKOS, XKOS, XSD, DatasetProfile, NTriplesWriter,
    dataset_iri, display, gbt4754_iri, iri, lit, provenance_triples, read_csv, sha256_file,
)

SECTION_RANGES = {"B": ("06", "12"), "C": ("13", "43"), "D": ("44", "46")}
INDUSTRIAL = GBT4754 + "/industrial-divisions"
_LEVELS = [("section", 1, "[A-T]", "门类", "section"), ("division", 2, "[0-9]{2}", "大类", "division"),
           ("group", 3, "[0-9]{3}", "中类", "group"), ("class", 4, "[0-9]{4}", "小类", "class")]
_SECTION = re.compile(r"[A-T]\Z")
_DIVISION = re.compile(r"[0-9]{2}\Z")


def level_iri(level: str) -> str:
    return f"{GBT4754}/level/{level}"


@dataclass(frozen=True)
class Category:
    """One concept of the classification: code, name, parent code, and any correction applied."""

    code: str
    name: str
    parent: str | None
    correction: str | None = None


def read_table(path: Path) -> list[Category]:
    """Sections and divisions from the derived table (`level,code,name_zh,section`), checked."""
    source = display(path)
    _, rows = read_csv(path, ("level", "code", "name_zh", "section"))
    out: list[Category] = []
    sections: set[str] = set()
    seen: dict[str, int] = {}
    for row in rows:
        level, code, name, section = (row.cells[k] for k in ("level", "code", "name_zh", "section"))
        if level == "section":
            if not _SECTION.match(code):
                raise InputError(f"malformed section code {code!r}: expected one letter A–T",
                                 source=source, line=row.line, column=row.column_of("code"))
            sections.add(code)
            parent = None
        elif level == "division":
            if not _DIVISION.match(code):
                raise InputError(f"malformed division code {code!r}: expected 2 digits",
                                 source=source, line=row.line, column=row.column_of("code"))
            if section not in sections:
                raise InputError(f"division {code} names section {section!r}, which has not "
                                 "been defined above it", source=source, line=row.line,
                                 column=row.column_of("section"))
            parent = section
        else:
            raise InputError(f"unknown level {level!r} (expected section or division)",
                             source=source, line=row.line, column=row.column_of("level"))
        if not name:
            raise InputError(f"empty name for {code}", source=source, line=row.line)
        if code in seen:
            raise InputError(f"duplicate code {code} (first on line {seen[code]})", source=source,
                             line=row.line, column=row.column_of("code"))
        seen[code] = row.line
        out.append(Category(code, name, parent))
    return out


def industrial_divisions(categories: Sequence[Category], source: str) -> list[str]:
    """The divisions of sections B, C, D; must be exactly the 41 codes 06–46."""
    codes = sorted(c.code for c in categories if c.parent in SECTION_RANGES)
    expected = [f"{n:02d}" for n in range(6, 47)]
    if codes != expected:
        raise InputError(f"the industrial divisions (sections B, C, D) are {len(codes)} codes "
                         f"{codes[:1]}…{codes[-1:]}, not the 41 divisions 06–46", source=source)
    return codes


def read_corrections(path: Path) -> list[dict[str, str]]:
    """The committed corrections: `code,action,new_code,name,reason` (action split|rename|add)."""
    _, rows = read_csv(path, ("code", "action", "new_code", "name", "reason"))
    out = []
    for row in rows:
        if row.cells["action"] not in ("split", "rename", "add"):
            raise InputError(f"unknown action {row.cells['action']!r}", source=display(path),
                             line=row.line, column=row.column_of("action"))
        out.append(row.cells)
    return out


def read_tree(flat: Path, corrections: Path, sections: Sequence[Category]) -> list[Category]:
    """Groups and classes from the SAH01 sheet with the corrections applied (see module doc)."""
    source = display(flat)
    fixes = read_corrections(corrections)
    split: dict[str, list[Any]] = {f["code"]: [] for f in fixes if f["action"] == "split"}
    for f in fixes:
        if f["action"] == "split":
            split[f["code"]].append(f)
    rename = {f["code"]: f for f in fixes if f["action"] == "rename"}
    add = [f for f in fixes if f["action"] == "add"]
    _, rows = read_csv(flat, ("code", "name"))
    found: dict[str, Category] = {}
    for row in rows:
        code, name = row.cells["code"], row.cells["name"]
        if code in split:
            for f in split.pop(code):
                found[f["new_code"]] = Category(f["new_code"], f["name"], f["new_code"][:3], f["reason"])
            continue
        if not re.fullmatch(r"[A-T]|[0-9]{2,4}", code):
            raise InputError(f"malformed code {code!r}", source=source, line=row.line,
                             column=row.column_of("code"))
        if len(code) < 3:
            continue          # sections and divisions come from the derived table
        if code in found:
            raise InputError(f"duplicate code {code}", source=source, line=row.line,
                             column=row.column_of("code"))
        fix = rename.pop(code, None)
        found[code] = Category(code, fix["name"] if fix else name, code[:-1] if len(code) == 4 else code[:2],
                               fix["reason"] if fix else None)
    for f in add:
        found[f["new_code"]] = Category(f["new_code"], f["name"], f["new_code"][:2], f["reason"])
    if split or rename:
        missing = sorted(set(split) | set(rename))
        raise InputError(f"corrections name codes not in the sheet: {', '.join(missing)}",
                         source=display(corrections))
    classes = [c for c in found.values() if len(c.code) == 4]
    for cls in classes:
        group = cls.code[:3]
        if group not in found:
            siblings = [c for c in classes if c.code[:3] == group]
            if len(siblings) != 1:
                raise InputError(f"group {group} is missing and has {len(siblings)} classes; add "
                                 "it to the corrections file", source=source)
            found[group] = Category(group, cls.name, group[:2],
                                    "group not in the SAH01 sheet; synthesised from its only class "
                                    "(the standard prints both on one line with one name)")
    divisions = {c.code for c in sections if c.parent is not None}
    for cat in found.values():
        if cat.parent not in divisions and cat.parent not in found:
            raise InputError(f"{cat.code} has no parent {cat.parent}", source=source)
    return sorted(found.values(), key=lambda c: c.code)


def write_graph(table: Path, target: Path, *, tree: Path | None = None,
                corrections: Path | None = None, profile: DatasetProfile = GBT4754_TABLE,
                overrides: dict[str, str] | None = None) -> int:
    """Import the classification into `target` (N-Triples, atomic); returns the triple count."""
    cats = read_table(table)
    industrial = industrial_divisions(cats, display(table))
    files = [table]
    deeper: list[Category] = []
    if tree is not None:
        if corrections is None:
            raise InputError("the full tree needs the corrections file (--corrections)",
                             source=display(tree))
        deeper = read_tree(tree, corrections, cats)
        files += [tree, corrections]
    scheme = iri(GBT4754)
    depth = 4 if deeper else 2
    with NTriplesWriter(target) as out:
        w = out.triple
        provenance_triples(out, profile, files, overrides)
        w(scheme, A, iri(SKOS + "ConceptScheme"))
        w(scheme, iri(SKOS + "prefLabel"), lit("国民经济行业分类(GB/T 4754-2017)", lang="zh-Hans"))
        w(scheme, iri(SKOS + "prefLabel"),
          lit("Industrial classification for national economic activities (GB/T 4754-2017)", lang="en"))
        w(scheme, iri(XKOS + "numberOfLevels"), lit(str(depth), datatype=XSD + "integer"))
        w(scheme, iri(PROV + "wasDerivedFrom"), iri(dataset_iri(profile)))
        for name, d, pattern, zh, en in _LEVELS[:depth]:
            node = iri(level_iri(name))
            w(node, A, iri(XKOS + "ClassificationLevel"))
            w(node, iri(DCT + "isPartOf"), scheme)
            w(node, iri(XKOS + "depth"), lit(str(d), datatype=XSD + "integer"))
            w(node, iri(XKOS + "notationPattern"), lit(pattern))
            w(node, iri(SKOS + "prefLabel"), lit(zh, lang="zh-Hans"))
            w(node, iri(SKOS + "prefLabel"), lit(en, lang="en"))
        level_by_len = {1: "section", 2: "division", 3: "group", 4: "class"}
        for cat in [*cats, *deeper]:
            s = iri(gbt4754_iri(cat.code))
            w(s, A, iri(SKOS + "Concept"))
            w(s, iri(SKOS + "inScheme"), scheme)
            w(s, iri(SKOS + "notation"), lit(cat.code))
            w(s, iri(SKOS + "prefLabel"), lit(cat.name, lang="zh-Hans"))
            w(iri(level_iri(level_by_len[len(cat.code)])), iri(SKOS + "member"), s)
            if cat.parent is None:
                w(s, iri(SKOS + "topConceptOf"), scheme)
                w(scheme, iri(SKOS + "hasTopConcept"), s)
            else:
                w(s, iri(SKOS + "broader"), iri(gbt4754_iri(cat.parent)))
            if cat.correction:
                w(s, iri(KG + "correction"), lit(cat.correction))
        coll = iri(INDUSTRIAL)
        w(coll, A, iri(SKOS + "Collection"))
        w(coll, iri(SKOS + "prefLabel"), lit("工业大类(采矿业、制造业、电力热力燃气及水生产和供应业)", lang="zh-Hans"))
        w(coll, iri(SKOS + "prefLabel"), lit("industrial divisions (sections B, C, D)", lang="en"))
        w(coll, iri(KG + "memberCount"), lit(str(len(industrial)), datatype=XSD + "integer"))
        for code in industrial:
            w(coll, iri(SKOS + "member"), iri(gbt4754_iri(code)))
    return out.count


def default_corrections(project_root: Path | None) -> Path | None:
    """The committed corrections file of the checkout, if there is one."""
    if project_root is None:
        return None
    path = project_root / "graph" / "mappings" / "gbt4754-2017-corrections.csv"
    return path if path.is_file() else None



def default_inputs(data: Path, options: Any) -> list[Path]:
    return [data / "gbt4754-2017-industry" / "gbt4754-2017_sections_divisions.csv"]


def import_files(inputs: Sequence[Path], target: Path, options: Any) -> int:
    """The registry's entry point (kgtool.reference.IMPORTERS): one sections/divisions table,
    and with `options.tree` the full four-level tree."""
    from kgtool.errors import UsageError  # noqa: PLC0415

    if len(inputs) != 1:
        raise UsageError("industry takes one sections/divisions table (use --tree for the "
                         "full tree)", source="import-reference")
    return write_graph(inputs[0], target, tree=options.tree, corrections=options.corrections,
                       overrides=options.overrides)

__all__ = ["Category", "INDUSTRIAL", "industrial_divisions", "read_table", "read_tree",
           "sha256_file", "write_graph"]
