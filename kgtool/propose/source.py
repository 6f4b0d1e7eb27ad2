"""Reading what to propose from: a registered source key or a UTF-8 text file, checked first.

Bad input is one clear error (exit 3), never a traceback: a missing or empty file, a binary file
(NUL bytes), text that is not UTF-8, or a file over the size limit (checked with stat before
anything is read, so a 50 MB file costs no memory). A news article or report is tens of
kilobytes; the limit leaves room for a long report while keeping quote verification (which
searches the whole text for each quote) quick.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kgtool.errors import InputError, UsageError
from kgtool.project import Project

MAX_BYTES = 2 * 1024 * 1024          # 2 MiB of text, about 700,000 Chinese characters


@dataclass(frozen=True)
class SourceText:
    key: str
    label: str              # how errors and the draft name it
    text: str
    published: dt.date | None
    published_as_given: str | None = None   # "2025" stays "2025" in the draft, not 2025-01-01


def parse_published(value: str | None, *, source: str = "--published") -> dt.date | None:
    """YYYY-MM-DD, YYYY-MM or YYYY (a year is enough to resolve 今年); UsageError otherwise."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if len(text) == 4 and text.isdigit():
            return dt.date(int(text), 1, 1)
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise UsageError(f"invalid date {text!r}: expected YYYY-MM-DD, YYYY-MM or YYYY",
                         source=source) from None


def read_text_file(path: Path, label: str, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, or InputError saying in one line what is wrong with it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file or registered source", source=label) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", source=label) from None
    if path.is_dir():
        raise InputError("is a directory, not a text file", source=label)
    if size > max_bytes:
        raise InputError(f"too large for propose: {size / 1e6:.1f} MB (limit {max_bytes / 1e6:.1f} MB); "
                         "split the document", source=label)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", source=label) from None
    if b"\x00" in data:
        nul = data.index(b"\x00")
        raise InputError(f"binary file (NUL byte at offset {nul}), not text", source=label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 (invalid byte 0x{data[err.start]:02x} at byte {err.start})",
                         source=label, line=line) from None
    if not text.strip():
        raise InputError("empty file: nothing to propose", source=label)
    return text


def resolve(project: Project, source: str, published: str | None) -> SourceText:
    """A path to a text file, or a key of the source registry (seeds/sources.toml, kgtool.sources)."""
    override = parse_published(published)
    given = str(published).strip() if override is not None else None
    path = Path(source)
    if path.exists():
        return SourceText(path.stem, source, read_text_file(path, source), override, given)
    from kgtool import sources

    registered = sources.load(project).get(source) if sources.registry_path(project).is_file() else None
    if registered is None:
        raise InputError("no such file or registered source", source=source)
    shown = f"seeds/{registered.file}"
    when = override or parse_published(registered.published, source=f"seeds/{sources.REGISTRY_NAME}")
    if given is None and when is not None:
        given = str(registered.published).strip()
    return SourceText(source, shown, read_text_file(registered.path(project), shown), when, given)
