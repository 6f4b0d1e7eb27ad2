"""The links as files: graph/links.ttl and graph/links.sssom.tsv rendered for a folder, checked
against what is there (`kgtool link --check`), or written atomically (`kgtool link`)."""
from __future__ import annotations

from pathlib import Path

from kgtool.link.links import LinkResult
from kgtool.link.write import LINKS_SSSOM, LINKS_TTL, committed_date, render, today


def link_files(result: LinkResult, folder: Path, date: str | None = None) -> dict[Path, bytes]:
    """{path: bytes} of the two links files in `folder`. The mapping date is `date`, else the
    one the folder's SSSOM file records (so a re-run changes nothing), else today."""
    stamp = date or committed_date(folder / LINKS_SSSOM) or today()
    ttl, sssom = render(result, stamp)
    return {folder / LINKS_TTL: ttl, folder / LINKS_SSSOM: sssom}


def stale_files(files: dict[Path, bytes]) -> list[str]:
    """The names of the files that are missing or differ from `files`."""
    return [p.name for p, data in files.items() if not p.is_file() or p.read_bytes() != data]


def write_files(files: dict[Path, bytes]) -> None:
    """Write each file atomically (temp file + rename)."""
    from kgtool.io import atomic_write  # noqa: PLC0415 - rdflib side, only when writing

    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
