"""Checks every RDF reader runs on a file before any parser sees it (standard library only).

Why one place: kgtool reads RDF with rdflib (kgtool.io) and with pyoxigraph (kgtool.oxreader,
the store's bulk loader, the SHACL data loader). Each of them had its own failure on the same
hostile file: a 30 MB literal was an internal error (pyoxigraph stops at a 16 MiB token with a
MemoryError; rdflib holds it several times over), a UTF-8 byte-order mark was a syntax error in
pyoxigraph, and a JSON-LD `@context` naming a URL or a file was fetched by rdflib. `preflight`
streams the file once with bounded memory (chunks no larger than the line limit, so only lines
crossing a chunk boundary need looking at) and returns what the reader must know.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from kgtool.errors import InputError, PolicyError

MAX_LINE_ENV = "KGTOOL_MAX_LINE_BYTES"
# Below pyoxigraph's 16 MiB token buffer, so a refusal is always ours and always one clear line.
DEFAULT_MAX_LINE = 8 << 20
BOM = b"\xef\xbb\xbf"
# `--allow-remote-context` for one command: set by `remote_contexts` around the call, so the
# readers deep inside (oxreader, the store and SHACL loaders) see it without every function
# between growing a parameter. A ContextVar, reset on exit: nothing leaks into the next command.
_CONTEXTS_ALLOWED: ContextVar[bool] = ContextVar("kgtool_remote_contexts", default=False)


@contextmanager
def remote_contexts(allowed: bool) -> Iterator[None]:
    """Within the block, JSON-LD inputs may load the `@context` documents they name (when
    `allowed`; a nested False never narrows an outer True)."""
    token = _CONTEXTS_ALLOWED.set(allowed or _CONTEXTS_ALLOWED.get())
    try:
        yield
    finally:
        _CONTEXTS_ALLOWED.reset(token)


def remote_contexts_allowed() -> bool:
    """True inside `remote_contexts(True)`: the command was given --allow-remote-context."""
    return _CONTEXTS_ALLOWED.get()


def names_context(text: str | bytes) -> bool:
    """True when a JSON-LD text names a context document (what pyoxigraph cannot load)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        refuse_jsonld_contexts(text.removeprefix("\ufeff"), "<input>")
    except PolicyError:
        return True
    except InputError:
        return False
    return False


def max_line_bytes() -> int:
    """The longest input line any reader accepts: $KGTOOL_MAX_LINE_BYTES, default 8 MiB."""
    value = os.environ.get(MAX_LINE_ENV, "")
    try:
        return max(1, int(value)) if value else DEFAULT_MAX_LINE
    except ValueError:
        raise InputError(f"${MAX_LINE_ENV} must be a number of bytes, not {value!r}") from None


def too_long(length: int, limit: int, source: str, line: int) -> InputError:
    return InputError(f"line of {length} bytes is longer than the limit of {limit} bytes "
                      f"(set ${MAX_LINE_ENV} to raise it)", source=source, line=line, column=1)


def preflight(path: str | os.PathLike[str], source: str | None = None, *,
              jsonld: bool = False, allow_remote_context: bool = False) -> bool:
    """Check a file's lines against `max_line_bytes()` (InputError, exit 3) and, for JSON-LD,
    refuse contexts that name documents (PolicyError, exit 4). True when it starts with a BOM.

    OS errors propagate: each reader already turns them into its own one-line message."""
    name = source or str(path)
    limit = max_line_bytes()
    chunk_size = max(1, min(limit, 1 << 20))
    has_bom = False
    with open(path, "rb") as handle:
        run, line, first = 0, 1, True
        while True:
            chunk = handle.read(chunk_size)
            if not chunk:
                break
            if first:
                has_bom, first = chunk.startswith(BOM), False
            nl = chunk.find(b"\n")
            if nl < 0:
                run += len(chunk)
                if run > limit:
                    raise too_long(_rest_of_line(handle, run), limit, name, line)
                continue
            if run + nl > limit:
                raise too_long(run + nl, limit, name, line)
            line += chunk.count(b"\n")
            run = len(chunk) - chunk.rfind(b"\n") - 1
        if jsonld and not (allow_remote_context or remote_contexts_allowed()):
            handle.seek(0)
            text = handle.read().decode("utf-8", "replace").removeprefix("\ufeff")
            refuse_jsonld_contexts(text, name)
    return has_bom


def check_bytes(data: bytes, source: str) -> None:
    """The same line limit on bytes already in memory (InputError naming the line)."""
    limit = max_line_bytes()
    if len(data) <= limit:
        return
    start, line = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > limit:
            raise too_long(end - start, limit, source, line)
        start, line = end + 1, line + 1


def _rest_of_line(handle: object, run: int) -> int:
    """The full length of the over-long line being read (for the message), read on in chunks."""
    while True:
        chunk = handle.read(1 << 20)  # type: ignore[attr-defined]  # a binary file object
        nl = chunk.find(b"\n") if chunk else -1
        if not chunk or nl >= 0:
            return run + (nl if nl >= 0 else 0)
        run += len(chunk)


def refuse_jsonld_contexts(text: str, source: str) -> None:
    """PolicyError (exit 4) for a JSON-LD `@context` (or `@import`) that names a document.

    rdflib's JSON-LD parser dereferences such a context with urllib: a URL is fetched (loopback
    included) and a relative or `file:` reference reads a local file. Only inline contexts are
    safe. Checked on the parsed JSON, before any RDF parser sees the text; `--allow-remote-context`
    (`remote_contexts`) lets the command's readers skip this check."""
    import json  # noqa: PLC0415 - JSON-LD only: `kgtool query` on Turtle/TriG never loads it

    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError("JSON nested too deeply", source=source) from None
    except ValueError as exc:
        raise InputError(f"bad JSON: {getattr(exc, 'msg', exc)}", source=source,
                         line=getattr(exc, "lineno", None),
                         column=getattr(exc, "colno", None)) from None
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                refs = value if isinstance(value, list) else [value]
                named = [r for r in refs if isinstance(r, str)]
                if key in ("@context", "@import") and named:
                    raise PolicyError(f"JSON-LD {key} {named[0]!r} refused: it would be fetched "
                                      "or read from disk; inline the context or pass "
                                      "--allow-remote-context", source=source)
                stack.append(value)


def is_jsonld(path: str | os.PathLike[str], fmt: object = None) -> bool:
    """True for a JSON-LD file (by format name/object, else by extension)."""
    text = str(fmt or "").lower()
    return "json" in text or Path(path).suffix.lower() in (".jsonld", ".json")


__all__ = ["BOM", "check_bytes", "DEFAULT_MAX_LINE", "MAX_LINE_ENV", "is_jsonld", "max_line_bytes",
           "names_context", "preflight", "refuse_jsonld_contexts", "remote_contexts",
           "remote_contexts_allowed"]
