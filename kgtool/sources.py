"""Source documents are data: `seeds/sources.toml` says what each document in `seeds/` is.

kgtool builds one graph from a *collection* of documents (issue 8). Each has a metadata record
(title, author, publisher, publication date, language, licence, URL, SHA-256) in the registry, not
in Python, and a key that names everything derived from it:

* its document node `<source/{key}>` and its named graph `<https://w3id.org/kgtool/graph/source/{key}>`;
* its curated facts: `graph/facts/{key}/*.ttl` (the first, default source also owns the files
  directly in `graph/facts/`, which is where the Songjiang article's facts have always been);
* its spans: `<span/{start}-{end}>` for the default source (the IRIs the article's facts always
  had), `<span/{key}/{start}-{end}>` for every other one, so two sources never share a span IRI.

The registry also declares the ranking policy used when two sources disagree on a statistic
(`[ranking]`, see `kgtool.statistics`). Reading it needs only the standard library (`tomllib`), so
the staleness check on the query path stays light.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgtool import dataset, namespaces
from kgtool.errors import InputError, UsageError

if TYPE_CHECKING:
    from kgtool.project import Project

REGISTRY_NAME = "sources.toml"
FIELDS = ("key", "file", "title", "author", "publisher", "published", "language", "licence",
          "url", "sha256", "note")
REQUIRED = ("key", "file", "title", "language", "sha256")
RANKS = ("preferred", "normal", "deprecated")
POLICIES = ("latest-published", "none")

_KEY = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?\Z")
_SHA = re.compile(r"[0-9a-f]{64}\Z")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")


@dataclass(frozen=True)
class Source:
    """One registered document. `default` is the first record: it keeps the historical IRIs."""

    key: str
    file: str
    title: str
    language: str
    sha256: str
    author: str | None = None
    publisher: str | None = None
    published: str | None = None
    licence: str | None = None
    url: str | None = None
    note: str | None = None
    default: bool = False

    @property
    def iri(self) -> str:
        return namespaces.thing("source", self.key)

    @property
    def graph_iri(self) -> str:
        """The named graph holding this source's facts, spans and document node."""
        return dataset.source_graph(self.key)

    def span_key(self, start: int, end: int) -> str:
        """The key of a span IRI `<span/{key}>`: unprefixed for the default source only."""
        return f"{start}-{end}" if self.default else f"{self.key}/{start}-{end}"

    def path(self, project: "Project") -> Path:
        return project.data_dir / "seeds" / self.file

    def facts_dir(self, project: "Project") -> Path:
        return project.facts_dir / self.key

    def fact_files(self, project: "Project") -> list[Path]:
        """The curated facts of this source (see the module docstring)."""
        own = sorted(self.facts_dir(project).glob("*.ttl"))
        if self.default:
            return sorted(project.facts_dir.glob("*.ttl")) + own
        return own

    def record(self) -> dict[str, str]:
        """The registry record, fields in the documented order, absent ones left out."""
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f) is not None}


@dataclass(frozen=True)
class Override:
    """A curator's rank for one observation, with the reason (Wikidata-style ranks)."""

    observation: str
    rank: str
    reason: str


@dataclass
class Registry:
    """The parsed `seeds/sources.toml`."""

    sources: list[Source]
    policy: str = "latest-published"
    overrides: list[Override] = field(default_factory=list)
    path: Path | None = None

    @property
    def default(self) -> Source:
        return self.sources[0]

    def get(self, key: str) -> Source | None:
        return next((s for s in self.sources if s.key == key), None)


# ------------------------------------------------------------------------ reading

def registry_path(project: "Project") -> Path:
    return project.data_dir / "seeds" / REGISTRY_NAME


def _shown(project: "Project", path: Path) -> str:
    try:
        return path.relative_to(project.data_dir).as_posix()
    except ValueError:
        return str(path)


def load(project: "Project") -> Registry:
    """Parse and check the registry; InputError (exit 3) with its line for anything wrong."""
    path = registry_path(project)
    name = _shown(project, path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file (the source registry)", source=name) from None
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8", source=name) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        raise InputError(f"bad TOML: {str(exc).split(' (at line')[0]}", source=name,
                         line=int(m.group(1)) if m else None,
                         column=int(m.group(2)) if m else None) from None
    records = data.get("source")
    if not isinstance(records, list) or not records:
        raise InputError("no [[source]] records", source=name)
    sources: list[Source] = []
    for i, rec in enumerate(records):
        src = parse_record(rec, where=f"[[source]] #{i + 1}", source=name, default=(i == 0),
                           line=_record_line(text, i))
        for other in sources:
            if other.key == src.key:
                raise InputError(f"duplicate source key {src.key!r}", source=name,
                                 line=_record_line(text, i))
            if other.file == src.file:
                raise InputError(f"sources {other.key!r} and {src.key!r} name the same file "
                                 f"{src.file!r}", source=name, line=_record_line(text, i))
        sources.append(src)
    ranking = data.get("ranking", {})
    policy = ranking.get("policy", "latest-published")
    if policy not in POLICIES:
        raise InputError(f"[ranking] policy {policy!r}: expected one of {', '.join(POLICIES)}",
                         source=name)
    overrides = []
    for j, item in enumerate(ranking.get("override", []), 1):
        obs, rank, reason = item.get("observation"), item.get("rank"), item.get("reason")
        if not isinstance(obs, str) or rank not in RANKS or not isinstance(reason, str) or not reason.strip():
            raise InputError(f"[[ranking.override]] #{j}: needs observation = \"observation/…\", "
                             f"rank = {' | '.join(RANKS)} and a reason", source=name)
        overrides.append(Override(obs, rank, reason))
    return Registry(sources, policy, overrides, path)


def _record_line(text: str, index: int) -> int | None:
    starts = [m.start() for m in re.finditer(r"(?m)^\[\[source\]\]", text)]
    return text.count("\n", 0, starts[index]) + 1 if index < len(starts) else None


def parse_record(rec: Any, *, where: str, source: str, default: bool = False,
                 line: int | None = None) -> Source:
    """One `[[source]]` table as a Source; InputError naming the field when it is wrong."""
    if not isinstance(rec, dict):
        raise InputError(f"{where}: expected a table", source=source, line=line)
    unknown = sorted(set(rec) - set(FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)} (known: "
                         f"{', '.join(FIELDS)})", source=source, line=line)
    missing = [f for f in REQUIRED if not rec.get(f)]
    if missing:
        raise InputError(f"{where}: missing {', '.join(missing)}", source=source, line=line)
    for f, v in rec.items():
        if not isinstance(v, str):
            raise InputError(f"{where}: {f} must be a string", source=source, line=line)
    check_fields(rec, where=where, source=source, line=line)
    return Source(default=default, **{f: rec[f] for f in FIELDS if f in rec})


def check_fields(rec: dict[str, str], *, where: str, source: str, line: int | None = None) -> None:
    """The format of each field: key, file name, date, checksum, language tag, URL."""
    def bad(msg: str) -> InputError:
        return InputError(f"{where}: {msg}", source=source, line=line)

    if "key" in rec and not _KEY.match(rec["key"]):
        raise bad(f"key {rec['key']!r}: use lower-case letters, digits and hyphens")
    if "file" in rec and (Path(rec["file"]).name != rec["file"] or rec["file"] == REGISTRY_NAME):
        raise bad(f"file {rec['file']!r}: a file name in seeds/, no directories")
    if rec.get("published") and not _DATE.match(rec["published"]):
        raise bad(f"published {rec['published']!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    if "sha256" in rec and not _SHA.match(rec["sha256"]):
        raise bad("sha256: expected 64 lower-case hex digits")
    if "language" in rec and not _LANG.match(rec["language"]):
        raise bad(f"language {rec['language']!r}: expected a BCP 47 tag such as zh-Hans")
    for f in ("url", "licence"):
        if rec.get(f) and not re.match(r"https?://\S+\Z", rec[f]):
            raise bad(f"{f} {rec[f]!r}: expected an http(s) URL")


# ------------------------------------------------------------------------ checking

def read_text(project: "Project", src: Source, *, verify: bool = True) -> tuple[str, bytes]:
    """A source's text and bytes; InputError when missing, not UTF-8, or (with `verify`) when
    its SHA-256 is not the one the registry records."""
    path = src.path(project)
    name = _shown(project, path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such file (source {src.key!r} in seeds/{REGISTRY_NAME})",
                         source=name) from None
    if verify:
        import hashlib  # noqa: PLC0415 - not on the query path (OpenSSL load)

        digest = hashlib.sha256(data).hexdigest()
        if digest != src.sha256:
            raise InputError(f"checksum mismatch: the file's SHA-256 is {digest}, seeds/"
                             f"{REGISTRY_NAME} records {src.sha256} for source {src.key!r} "
                             "(restore the file, or register the new version with a new key)",
                             source=name)
    try:
        return data.decode("utf-8"), data
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {exc.start})", source=name, line=line) from None


def verify_all(project: "Project", registry: Registry | None = None) -> Registry:
    """Check every registered file against its checksum (exit 3 on the first mismatch)."""
    registry = registry or load(project)
    for src in registry.sources:
        read_text(project, src)
    return registry


def orphan_fact_dirs(project: "Project", registry: Registry) -> list[Path]:
    """Folders under graph/facts/ that name no registered source: facts without a source."""
    if not project.facts_dir.is_dir():
        return []
    keys = {s.key for s in registry.sources}
    return sorted(p for p in project.facts_dir.iterdir() if p.is_dir() and p.name not in keys
                  and not p.name.startswith("."))


# ------------------------------------------------------------------------ adding

def render_registry(text: str, src: Source) -> str:
    """The registry text with one more record appended (existing text kept as written)."""
    lines = ["", "[[source]]"]
    for f, v in src.record().items():
        lines.append(f"{f} = {_toml_string(v)}")
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def metadata_from_file(path: Path) -> dict[str, str]:
    """A metadata record file: one `[[source]]` table (the registry's format), for `--metadata`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"not a TOML metadata record: {exc}", source=str(path)) from None
    records = data.get("source")
    if isinstance(records, list) and len(records) == 1 and isinstance(records[0], dict):
        return dict(records[0])
    raise InputError("expected exactly one [[source]] table", source=str(path))


def add(project: "Project", file: Path, meta: dict[str, str]) -> Source:
    """Register `file` as a new source: copy it into seeds/ and append its record.

    Everything is checked before anything is written (UTF-8, a free key and file name, not the
    same bytes as a registered source, the fields' formats); the copy and the registry are each
    written to a temp file and renamed, and the copy is removed again if the registry write fails.
    """
    from kgtool import io  # noqa: PLC0415 - atomic_write; rdflib is not needed for this

    if not project.in_checkout:
        raise UsageError("not inside a kgtool checkout: sources are added to a checkout's seeds/ "
                         "(give --project DIR)", source="source add")
    registry = load(project)
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=str(file)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a document", source=str(file)) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {exc.start}); convert it first, e.g. "
                         "`iconv -f GB18030 -t UTF-8`", source=str(file), line=line) from None
    import hashlib  # noqa: PLC0415 - not on the query path (OpenSSL load)

    digest = hashlib.sha256(data).hexdigest()
    rec = {k: v for k, v in meta.items() if v not in (None, "")}
    rec.setdefault("file", Path(file).name)
    rec.setdefault("key", Path(rec["file"]).stem.lower())
    rec.setdefault("language", "zh-Hans")
    if rec.get("sha256") and rec["sha256"] != digest:
        raise InputError(f"the metadata records sha256 {rec['sha256']}, the file's is {digest}",
                         source=str(file))
    rec["sha256"] = digest
    name = _shown(project, registry_path(project))
    src = parse_record(rec, where="the new source", source=name)
    for other in registry.sources:
        if other.sha256 == digest:
            raise InputError(f"duplicate source: the same bytes are already registered as "
                             f"{other.key!r} (seeds/{other.file})", source=str(file))
        if other.key == src.key:
            raise InputError(f"duplicate source: key {src.key!r} is already registered "
                             "(choose another with --key)", source=str(file))
        if other.file == src.file:
            raise InputError(f"duplicate source: seeds/{src.file} is already registered as "
                             f"{other.key!r} (choose another name with --file-name)",
                             source=str(file))
    target = src.path(project)
    if target.exists():
        raise InputError(f"seeds/{src.file} already exists and is not registered; move it away "
                         "or choose another name", source=str(file))
    new_text = render_registry(registry_path(project).read_text(encoding="utf-8"), src)
    io.atomic_write(target, data)
    try:
        io.atomic_write(registry_path(project), new_text.encode("utf-8"))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return src


__all__ = ["Source", "Registry", "Override", "load", "read_text", "verify_all", "add",
           "metadata_from_file", "registry_path", "orphan_fact_dirs"]
