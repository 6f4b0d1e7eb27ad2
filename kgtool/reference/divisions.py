"""Import NBS statistical division codes (统计用区划代码) into a SKOS reference graph.

Accepted as released by `modood/Administrative-divisions-of-China`:

* the CSV layout — `provinces.csv`, `cities.csv`, `areas.csv`, `streets.csv`, `villages.csv`
  (also the `shanghai-*.csv` subsets); the level is recognised from the header, not the file
  name, because the column order differs between files and users rename files;
* the nested JSON layout — `pcas-code.json` (`code`/`name`/`children`, province to township).

Rows stream from disk to the N-Triples output one at a time; the only per-row state kept is the
set of codes seen (as ints), which the uniqueness check needs. That keeps the 620k-row national
village file well under the 1 GB budget of issue #4 point 6.

Code forms (docs/linking.md): the IRI and the plain `skos:notation` use the unpadded
hierarchical code — 2 digits for a province, 4 for a city, 6 for a county, 9 for a township,
12 for a village — because that is how the data is released and each code is then a prefix of
its children. The GB/T 2260 6-digit form (`310000`) and the NBS 12-digit padded form
(`310117106000`) are extra notations with their own datatypes, so SPARQL and SHACL can tell
`"31"`, `"310000"^^kg:GBT2260Code` and `"310000000000"^^kg:NBS12Code` apart.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from kgtool.errors import InputError
from kgtool.namespaces import ID
from kgtool.reference.common import (
    A, DCT, GBT2260_CODE, NBS12_CODE, NBS_DIVISIONS, PROV, RDFS, SCHEMA, SKOS, XKOS, XSD,
    DatasetProfile, NTriplesWriter, dataset_iri, display, division_iri, iri, lit,
    provenance_triples, read_csv,
)

LEVELS: dict[int, str] = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "province": ("省级", "province level"),
    "city": ("地级", "prefecture (city) level"),
    "county": ("县级", "county level"),
    "township": ("乡级", "township level"),
    "village": ("村级", "village level"),
}
_DEPTH = {"province": 1, "city": 2, "county": 3, "township": 4, "village": 5}
_LENGTH = {v: k for k, v in LEVELS.items()}
_PARENT_LEVEL = {"city": "province", "county": "city", "township": "county", "village": "township"}
_DIGITS = re.compile(r"[0-9]+\Z")

# CSV layouts, recognised by header: level -> (required columns, parent column)
_LAYOUTS: list[tuple[str, tuple[str, ...], str | None]] = [
    ("village", ("code", "name", "streetCode"), "streetCode"),
    ("township", ("code", "name", "areaCode"), "areaCode"),
    ("county", ("code", "name", "cityCode"), "cityCode"),
    ("city", ("code", "name", "provinceCode"), "provinceCode"),
    ("province", ("code", "name"), None),
]


def scheme_iri(profile: DatasetProfile = NBS_DIVISIONS) -> str:
    return ID + "scheme/" + profile.key


def level_iri(level: str, profile: DatasetProfile = NBS_DIVISIONS) -> str:
    return f"{scheme_iri(profile)}/level/{level}"


@dataclass(frozen=True)
class Division:
    """One row: a unit's code, name, parent code (None for a province) and where it was read."""

    code: str
    name: str
    parent: str | None
    level: str
    source: str
    line: int
    column: int = 1


def level_of(code: str) -> str | None:
    """The level a code's length stands for, or None for an impossible length."""
    return LEVELS.get(len(code))


def code_forms(code: str) -> tuple[str | None, str | None]:
    """The extra notations of a code: (GB/T 2260 6-digit form or None, NBS 12-digit form or None)."""
    six = code.ljust(6, "0") if len(code) <= 6 else None
    twelve = code.ljust(12, "0") if len(code) < 12 else None
    return six, twelve


def _check(code: str, name: str, parent: str | None, level: str, source: str, line: int,
           code_col: int, parent_col: int) -> None:
    """Reject malformed codes and names with their position (issue #4 point 7)."""
    if not _DIGITS.match(code) or len(code) != _LENGTH[level]:
        raise InputError(f"malformed {level} code {code!r}: expected {_LENGTH[level]} digits",
                         source=source, line=line, column=code_col)
    if level == "province" and not ("11" <= code <= "82"):
        raise InputError(f"malformed province code {code!r}: not in 11–82", source=source,
                         line=line, column=code_col)
    if not name:
        raise InputError(f"empty name for code {code}", source=source, line=line)
    if parent is not None:
        want = _LENGTH[_PARENT_LEVEL[level]]
        if not _DIGITS.match(parent) or len(parent) != want:
            raise InputError(f"malformed parent code {parent!r}: expected {want} digits",
                             source=source, line=line, column=parent_col)
        if not code.startswith(parent):
            raise InputError(f"code {code} does not start with its parent code {parent}",
                             source=source, line=line, column=code_col)


# The full column set of each CSV layout, as released.
FULL_LAYOUTS: dict[str, tuple[str, ...]] = {
    "province": ("code", "name"),
    "city": ("code", "name", "provinceCode"),
    "county": ("code", "name", "cityCode", "provinceCode"),
    "township": ("code", "name", "areaCode", "provinceCode", "cityCode"),
    "village": ("code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"),
}
_PARENT_COLUMN = {"city": "provinceCode", "county": "cityCode", "township": "areaCode",
                  "village": "streetCode"}


def _csv_records(path: Path, progress: Callable[[int], None] | None) -> Iterator[Division]:
    """Rows of one CSV file. The level comes from the first row's code length (a header alone
    cannot tell a streets file that lost its areaCode column from an areas file), and that
    level's full column set is then required."""
    source = display(path)
    header, rows = read_csv(path, ("code", "name"))
    first = next(rows)
    level = level_of(first.cells["code"])
    if level is None:
        level = next(lv for lv, cols, _ in _LAYOUTS if all(c in header for c in cols))
    missing = [c for c in FULL_LAYOUTS[level] if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} for a {level}-level file "
                         f"(judged by code {first.cells['code']} on line {first.line}); expected "
                         f"{','.join(FULL_LAYOUTS[level])}", source=source, line=1)
    parent_col = _PARENT_COLUMN.get(level)

    def all_rows() -> Iterator:
        yield first
        yield from rows

    for n, row in enumerate(all_rows(), start=1):
        cells = row.cells
        code, name = cells["code"], cells["name"]
        parent = cells[parent_col] if parent_col else None
        _check(code, name, parent, level, source, row.line, row.column_of("code"),
               row.column_of(parent_col) if parent_col else 1)
        if progress is not None and n % 8192 == 0:
            progress(8192)
        yield Division(code, name, parent, level, source, row.line, row.column_of("code"))


def _json_position(text: str, code: str) -> tuple[int | None, int | None]:
    match = re.search(r'"code"\s*:\s*"' + re.escape(code) + '"', text)
    if match is None:
        return None, None
    before = text[:match.start()]
    line = before.count("\n") + 1
    return line, match.start() - (before.rfind("\n") + 1) + 1


def _json_records(path: Path) -> Iterator[Division]:
    """The nested layout (`[{code,name,children:[…]}]`), walked depth-first in file order."""
    source = display(path)
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise InputError(f"not UTF-8 (byte 0x{raw[exc.start]:02x}); the file must be UTF-8",
                         source=source, line=line, column=col) from None
    if not text.strip():
        raise InputError("empty file", source=source, line=1)
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", source=source, line=exc.lineno,
                         column=exc.colno) from None
    except RecursionError:  # hostile nesting: one line, not an internal error
        raise InputError("JSON nested too deeply", source=source) from None
    if not isinstance(tree, list) or not tree:
        raise InputError("expected a non-empty JSON array of provinces", source=source, line=1)

    def walk(nodes: object, parent: str | None) -> Iterator[Division]:
        if not isinstance(nodes, list):
            raise InputError("'children' must be an array", source=source)
        for node in nodes:
            if not isinstance(node, dict) or "code" not in node or "name" not in node:
                where = _json_position(text, str(node.get("code"))) if isinstance(node, dict) else (None, None)
                raise InputError("missing key 'code' or 'name' in a division object",
                                 source=source, line=where[0], column=where[1])
            code, name = str(node["code"]).strip(), str(node["name"]).strip()
            level = level_of(code)
            line, col = _json_position(text, code)
            if level is None:
                raise InputError(f"malformed code {code!r}: expected 2, 4, 6, 9 or 12 digits",
                                 source=source, line=line, column=col)
            expected = "province" if parent is None else None
            if expected and level != expected:
                raise InputError(f"top-level entry {code} is not a province code", source=source,
                                 line=line, column=col)
            if parent is not None and _PARENT_LEVEL.get(level) != level_of(parent):
                raise InputError(f"code {code} ({level}) cannot be a child of {parent}",
                                 source=source, line=line, column=col)
            _check(code, name, parent, level, source, line or 0, col or 1, col or 1)
            yield Division(code, name, parent, level, source, line or 0, col or 1)
            yield from walk(node.get("children", []), code)

    yield from walk(tree, None)


def iter_divisions(paths: Sequence[Path], *, progress: Callable[[int], None] | None = None,
                   ) -> Iterator[Division]:
    """Every division of the given files, checked, in file order; codes must be unique overall."""
    seen: set[int] = set()
    for path in paths:
        records = _json_records(path) if path.suffix.lower() == ".json" else _csv_records(path, progress)
        for record in records:
            key = int(record.code) + (10 ** len(record.code))   # "31" and "031" stay distinct
            if key in seen:
                raise InputError(f"duplicate code {record.code} (codes must be unique)",
                                 source=record.source, line=record.line, column=record.column)
            seen.add(key)
            yield record


_CSV_ORDER = ("provinces", "cities", "areas", "streets", "villages")


def discover(folder: Path, *, villages: bool = False) -> list[Path]:
    """The CSV files of a release folder in level order (`shanghai-` prefixes allowed).

    Villages are left out unless asked for: the linker needs township level at most, and the
    national village file is 37 MB. A folder with only `pcas-code.json` gives that file.
    """
    found: list[Path] = []
    for stem in _CSV_ORDER:
        if stem == "villages" and not villages:
            continue
        for candidate in (folder / f"{stem}.csv", *sorted(folder.glob(f"*-{stem}.csv"))):
            if candidate.is_file():
                found.append(candidate)
                break
    if not found:
        json_files = sorted(folder.glob("*pcas-code.json"))
        found.extend(json_files[:1])
    if not found:
        raise InputError("no NBS division files (provinces.csv … streets.csv or pcas-code.json) "
                         "in this folder", source=display(folder))
    return found


def write_graph(paths: Sequence[Path], target: Path, *, profile: DatasetProfile = NBS_DIVISIONS,
                overrides: dict[str, str] | None = None,
                progress: Callable[[int], None] | None = None) -> int:
    """Import `paths` into the N-Triples file `target` (atomically); returns the triple count."""
    scheme = iri(scheme_iri(profile))
    ds = iri(dataset_iri(profile))
    p_scheme, p_notation = iri(SKOS + "inScheme"), iri(SKOS + "notation")
    p_label, p_broader = iri(SKOS + "prefLabel"), iri(SKOS + "broader")
    p_within, p_member = iri(SCHEMA + "containedInPlace"), iri(SKOS + "member")
    p_from = iri(PROV + "wasDerivedFrom")
    t_concept, t_area = iri(SKOS + "Concept"), iri(SCHEMA + "AdministrativeArea")
    levels = {lv: iri(level_iri(lv, profile)) for lv in LEVELS.values()}
    files = {display(p): iri(f"{dataset_iri(profile)}/file/{p.name}") for p in paths}
    sidecar = index_path(target)   # replaced only after the graph (stale if older: ignored)
    names: list[str] = []
    with NTriplesWriter(target) as out:
        w = out.triple
        provenance_triples(out, profile, paths, overrides)
        w(scheme, A, iri(SKOS + "ConceptScheme"))
        w(scheme, iri(SKOS + "prefLabel"), lit("统计用区划代码", lang="zh-Hans"))
        w(scheme, iri(SKOS + "prefLabel"), lit("NBS statistical division codes", lang="en"))
        w(scheme, iri(PROV + "wasDerivedFrom"), ds)
        for level, node in levels.items():
            zh, en = LEVEL_LABELS[level]
            w(node, A, iri(XKOS + "ClassificationLevel"))
            w(node, iri(DCT + "isPartOf"), scheme)
            w(node, iri(XKOS + "depth"), lit(str(_DEPTH[level]), datatype=XSD + "integer"))
            w(node, iri(XKOS + "notationPattern"), lit(f"[0-9]{{{_LENGTH[level]}}}"))
            w(node, p_label, lit(zh, lang="zh-Hans"))
            w(node, p_label, lit(en, lang="en"))
        for d in iter_divisions(paths, progress=progress):
            s = iri(division_iri(d.code))
            w(s, A, t_concept)
            w(s, A, t_area)
            w(s, p_scheme, scheme)
            w(s, p_notation, lit(d.code))
            six, twelve = code_forms(d.code)
            if six:
                w(s, p_notation, lit(six, datatype=GBT2260_CODE))
            if twelve:
                w(s, p_notation, lit(twelve, datatype=NBS12_CODE))
            w(s, p_label, lit(d.name, lang="zh-Hans"))
            if d.parent is None:
                w(s, iri(SKOS + "topConceptOf"), scheme)
            else:
                parent = iri(division_iri(d.parent))
                w(s, p_broader, parent)
                w(s, p_within, parent)
            w(levels[d.level], p_member, s)
            w(s, p_from, files[d.source])
            if d.level != "village":
                names.append(f"{d.code}\t{d.name}\t{d.parent or ''}\n")
    from kgtool.io import atomic_write

    atomic_write(sidecar, "".join(names).encode("utf-8"))
    return out.count


def index_path(graph: Path) -> Path:
    """The linker's name index beside a division graph: `code<TAB>name<TAB>parent`, down to
    township level. Written with the graph so `kgtool link` need not re-parse 450k triples."""
    return graph.with_suffix(".index.tsv")


def records_from_graph(path: Path) -> Iterator[tuple[str, str, str | None]]:
    """(code, name, parent code) of every division in an imported graph, for the linker.

    Reads the N-Triples with pyoxigraph's streaming parser, keeping only three predicates,
    after the checks every reader runs (kgtool.inputcheck: a byte-order mark is skipped, an
    over-long line refused), so a damaged cache file is one `InputError` line naming it (exit 3).
    """
    from kgtool import inputcheck, oxreader

    source = display(path)
    with oxreader.file_errors(source):
        sidecar = index_path(path)
        if sidecar.is_file() and sidecar.stat().st_mtime >= path.stat().st_mtime:
            yield from _sidecar_rows(sidecar)
            return
        bom = inputcheck.preflight(path, source)
    notation, label, broader = (SKOS + "notation", SKOS + "prefLabel", SKOS + "broader")
    names: dict[str, str] = {}
    parents: dict[str, str] = {}
    codes: dict[str, str] = {}
    prefix = len(division_iri(""))
    with oxreader.file_errors(source), open(path, "rb") as handle:
        handle.seek(3 if bom else 0)
        for triple in _parsed(handle, source):
            s = triple.subject.value
            if not s.startswith(division_iri("")):
                continue
            p = triple.predicate.value
            if p == label:
                names[s] = triple.object.value
            elif p == broader:
                parents[s] = triple.object.value[prefix:]
            elif p == notation and triple.object.datatype.value == XSD + "string":
                codes[s] = triple.object.value
    for s, code in codes.items():
        if s in names and level_of(code) in ("province", "city", "county", "township"):
            yield code, names[s], parents.get(s)


def _parsed(handle: Any, source: str) -> Iterator[Any]:
    """pyoxigraph's N-Triples stream, its syntax errors as one InputError line (kgtool.oxreader)."""
    import pyoxigraph as ox

    from kgtool import oxreader

    try:
        yield from ox.parse(handle, format=ox.RdfFormat.N_TRIPLES)
    except SyntaxError as exc:
        raise oxreader.syntax_error(exc, source) from None
    except MemoryError:
        raise InputError("a token longer than the engine's 16 MiB buffer", source=source) from None


def _sidecar_rows(sidecar: Path) -> Iterator[tuple[str, str, str | None]]:
    """The (code, name, parent) rows of the index beside the graph; a damaged one is an InputError."""
    source = display(sidecar)
    with open(sidecar, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            fields = raw.removeprefix(b"\xef\xbb\xbf" if number == 1 else b"").rstrip(b"\n")
            parts = fields.decode("utf-8", "replace").split("\t")
            if len(parts) != 3 or not parts[0] or not parts[1]:
                raise InputError("damaged index line: expected code, name and parent separated "
                                 "by tabs (delete it: the graph beside it is read instead)",
                                 source=source, line=number, column=1)
            code, name, parent = parts
            yield code, name, parent or None


def label_rows(rows: Iterable[Division]) -> list[tuple[str, str, str | None]]:
    """(code, name, parent) triples from records, for building a linker index without a cache."""
    return [(d.code, d.name, d.parent) for d in rows if d.level != "village"]



def default_inputs(data: Path, options: Any) -> list[Path]:
    """The national release folder of the shared data (villages only with --villages)."""
    return discover(data / "china-admin-divisions" / "national", villages=options.villages)


def import_files(inputs: Sequence[Path], target: Path, options: Any) -> int:
    """The registry's entry point (kgtool.reference.IMPORTERS)."""
    return write_graph(inputs, target, overrides=options.overrides, progress=options.progress)

__all__ = ["Division", "LEVELS", "RDFS", "code_forms", "discover", "iter_divisions",
           "label_rows", "level_iri", "level_of", "records_from_graph", "scheme_iri",
           "write_graph"]
