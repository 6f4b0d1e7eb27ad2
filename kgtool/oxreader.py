"""kgtool's one RDF reader: every loader parses RDF through these functions.

The pyoxigraph loaders (`query --data`, `describe`/`stats` data, `load`, `push` files, answers
of remote endpoints) use them directly, and kgtool.io's `parse_rdf` hands their triples to
rdflib for the code that works on rdflib graphs (build, link, the pySHACL reference engine), so
they all:

* name formats the same way (`kgtool.formats`: a name, alias or the file's extension);
* refuse a DOCTYPE in RDF/XML (pyoxigraph expands internal entities: a "billion laughs" document
  never finishes) and never fetch anything (pyoxigraph has no network access);
* with `--allow-remote-context` (`inputcheck.remote_contexts`), read a JSON-LD file whose
  `@context` names a document with rdflib's parser instead (pyoxigraph cannot load a context
  document at all), which fetches the context, and load the result as N-Quads;
* report a syntax error as one `InputError` line with the file and the real position (the
  start of the offending token; pyoxigraph's "between line 3 column 11 and line 4 column 1"
  becomes 3:11).

It imports pyoxigraph and the standard library only: `kgtool query` loads it on every start.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox

from kgtool import formats, inputcheck
from kgtool.errors import InputError, PolicyError, UsageError

_POSITION = re.compile(r"line (\d+)(?: between)? column[s]? (\d+)|at line (\d+) between columns (\d+)")
_DOCTYPE = re.compile(rb"<!doctype", re.I)
_BOM = inputcheck.BOM  # UTF-8 byte-order mark: accepted, and not content


def rdf_format(path: str, fmt: str | None = None, *, what: str | None = "--format") -> Any:
    """The pyoxigraph RdfFormat of `path`: `fmt` (any name of kgtool.formats) or its extension.
    `what` names the option that sets the format (None: the command has none).

    >>> rdf_format("a.ttl") == ox.RdfFormat.TURTLE, rdf_format("-", "ntriples") == ox.RdfFormat.N_TRIPLES
    (True, True)
    """
    if fmt:
        return formats.require(fmt, kind=formats.RDF, what=what or "format").rdf_format()
    known = formats.from_extension(path)
    if known is None:
        extensions = " ".join("." + f.extension for f in formats.formats(formats.RDF))
        raise UsageError(f"cannot tell the RDF format of {path} from its extension; use "
                         f"{extensions}{' or ' + what if what else ''}", source=path)
    return known.rdf_format()


@contextmanager
def file_errors(source: str) -> Iterator[None]:
    """Turn the OS errors of reading a file into the one-line InputErrors every loader gives."""
    try:
        yield
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not an RDF file", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from None


def read_bytes(path: str | Path, source: str | None = None) -> bytes:
    """A file's bytes, with the one-line errors every loader gives (and the inputcheck limits)."""
    with file_errors(source or str(path)):
        inputcheck.preflight(path, source or str(path), jsonld=inputcheck.is_jsonld(path))
        return Path(path).read_bytes()


def check_safe(data: bytes | Any, fmt: Any, source: str) -> None:
    """PolicyError (exit 4) for what must never be parsed: a DOCTYPE in RDF/XML (`data`: bytes
    or a memory map)."""
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(data):
        raise PolicyError("DOCTYPE declarations are refused in RDF/XML input (entity expansion)",
                          source=source)


def syntax_error(exc: Exception, source: str, *, data: bytes | None = None,
                 path: str | Path | None = None) -> InputError | PolicyError:
    """pyoxigraph's parse error as one InputError line at the start of the offending token.

    With the input (`data`, or the file at `path`), pyoxigraph's bare "Unexpected end" is said
    in words: which string or IRI never ends, or that the file stops mid-statement.

    >>> str(syntax_error(SyntaxError("Parser error between line 3 column 11 and line 4 column 1: "
    ...                               "Unexpected end of file"), "a.ttl"))
    'a.ttl:3:11: cannot parse RDF: Unexpected end of file'
    >>> str(syntax_error(SyntaxError("Parser error at line 1 between columns 9 and 10: "
    ...                               "Unexpected end of file"), "a.ttl", data=b'<a> <p> "x .'))
    'a.ttl:1:9: cannot parse RDF: unterminated string (it opens here)'
    """
    msg = " ".join(str(exc).split())
    if "LoadDocumentCallback" in msg:  # a JSON-LD @context naming a URL or file: never fetched
        return PolicyError("a JSON-LD @context that names a URL or file is refused (it would be "
                           "fetched or read from disk); inline the context", source=source)
    m = _POSITION.search(msg)
    line = col = None
    if m:
        line = int(m.group(1) or m.group(3))
        col = int(m.group(2) or m.group(4))
        msg = re.sub(r"^Parser error (?:between|at) [^:]*: ", "", msg)
        msg = re.sub(r" \((?:[^()]*, )?line \d+\)$", "", msg)  # "(line 3)", "(a.ttl, line 3)"
        if msg.startswith("Unexpected end"):
            msg = _unexpected_end(msg, _line_text(data, path, line), col) or msg
    return InputError(f"cannot parse RDF: {msg}", source=source, line=line, column=col)


def _line_text(data: bytes | None, path: str | Path | None, line: int) -> str | None:
    """Line `line` (1-based) of the input, read only when an error needs it."""
    try:
        if data is not None:
            lines = data.split(b"\n", line)
            return lines[line - 1].decode("utf-8", "replace") if len(lines) >= line else None
        if path is not None and str(path) != "-":
            with open(path, "rb") as handle:
                for number, raw in enumerate(handle, 1):
                    if number == line:
                        return raw.decode("utf-8", "replace")
    except OSError:
        return None
    return None


def _unexpected_end(msg: str, text: str | None, col: int) -> str | None:
    """Words for pyoxigraph's "Unexpected end [of file]" from the token where it points."""
    if text is None:
        return None
    token = text.removeprefix("\ufeff")[col - 1:]
    if token.startswith(('"""', "'''")):
        return "unterminated long string (it opens here)"
    if token.startswith(('"', "'")):
        return "unterminated string (it opens here)"
    if token.startswith("<"):
        return "unterminated IRI (it opens here)"
    if msg == "Unexpected end":
        return "the input ends in the middle of a statement"
    return None


def parse(data: bytes, fmt: Any, source: str, *, base_iri: str | None = None) -> list[Any]:
    """The quads of `data` (checked with `check_safe`; errors from `syntax_error`); relative
    IRIs resolve against `base_iri` when given.

    >>> [q.object.value for q in parse(b'<a> <p> <b> .', ox.RdfFormat.TURTLE, "x.ttl",
    ...                                base_iri="file:///d/x.ttl")]
    ['file:///d/b']
    """
    check_safe(data, fmt, source)
    inputcheck.check_bytes(data, source)
    data, fmt = with_contexts(data, fmt, source, base_iri)
    try:
        return list(ox.parse(data.removeprefix(_BOM), format=fmt, base_iri=base_iri))
    except SyntaxError as exc:
        raise syntax_error(exc, source, data=data) from None
    except MemoryError:
        raise InputError("a token longer than the engine's 16 MiB buffer", source=source) from None


def load(store: Any, fmt: Any, source: str, *, data: bytes | None = None,
         path: str | None = None) -> None:
    """Load `data` (or the file `path`, streamed: big files are never read into memory here)
    into a pyoxigraph Store, with the same checks and errors as `parse`."""
    if data is None and (fmt == ox.RdfFormat.RDF_XML or (
            fmt == ox.RdfFormat.JSON_LD and inputcheck.remote_contexts_allowed())):
        data = read_bytes(path or source, source)   # checked for a DOCTYPE before parsing
    # Relative IRIs resolve against the file itself, as rdflib and `parse` resolve them, so every
    # reader reports a broken file at the same place.
    base = Path(path).resolve().as_uri() if path and path != "-" else None
    if data is not None:
        data, fmt = with_contexts(data, fmt, source, base)
    if data is None:
        with file_errors(source):  # over-long lines, JSON-LD contexts (kgtool.inputcheck)
            inputcheck.preflight(path or source, source, jsonld=fmt == ox.RdfFormat.JSON_LD)
    else:
        inputcheck.check_bytes(data, source)
    try:
        with file_errors(source):
            if data is not None:
                check_safe(data, fmt, source)
                store.load(input=data.removeprefix(_BOM), format=fmt, base_iri=base)
            else:
                with open(path or source, "rb") as handle:  # streamed, past a byte-order mark
                    if handle.read(3) != _BOM:
                        handle.seek(0)
                    store.load(input=handle, format=fmt, base_iri=base)
    except SyntaxError as exc:
        raise syntax_error(exc, source, data=data, path=None if data is not None else path or source) from None
    except MemoryError:  # pyoxigraph's 16 MiB token buffer (a long literal over many lines)
        raise InputError("a token longer than the engine's 16 MiB buffer", source=source) from None


def with_contexts(data: bytes, fmt: Any, source: str, base_iri: str | None = None) -> tuple[bytes, Any]:
    """`(data, fmt)` as pyoxigraph can read them: JSON-LD naming a `@context` document, when
    the command allows contexts, parsed by rdflib (which loads the context: a URL is fetched,
    a relative reference read beside the file) and handed on as N-Quads; anything else as given."""
    if fmt != ox.RdfFormat.JSON_LD or not inputcheck.remote_contexts_allowed() \
            or not inputcheck.names_context(data):
        return data, fmt
    from kgtool import io as kio  # noqa: PLC0415 - rdflib, only for JSON-LD with a context document

    text = data.removeprefix(_BOM).decode("utf-8", "replace")
    return kio.jsonld_with_contexts(text, source, base_iri), ox.RdfFormat.N_QUADS


__all__ = ["check_safe", "file_errors", "load", "parse", "rdf_format", "read_bytes", "syntax_error",
           "with_contexts"]
