"""The pyoxigraph side of kgtool's one RDF reader (kgtool.io is the rdflib side).

Every loader that parses RDF with pyoxigraph (`query --data`, `describe`/`stats` data, `load`,
`push` files, answers of remote endpoints) goes through these functions, so they all:

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
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox

from kgtool import formats, inputcheck
from kgtool.errors import InputError, PolicyError, UsageError

_POSITION = re.compile(r"line (\d+)(?: between)? column[s]? (\d+)|at line (\d+) between columns (\d+)")
_DOCTYPE = re.compile(rb"<!doctype", re.I)
_BOM = inputcheck.BOM  # UTF-8 byte-order mark: accepted, and not content


def rdf_format(path: str, fmt: str | None = None, *, what: str = "--format") -> Any:
    """The pyoxigraph RdfFormat of `path`: `fmt` (any name of kgtool.formats) or its extension.

    >>> rdf_format("a.ttl") == ox.RdfFormat.TURTLE, rdf_format("-", "ntriples") == ox.RdfFormat.N_TRIPLES
    (True, True)
    """
    if fmt:
        return formats.require(fmt, kind=formats.RDF, what=what).rdf_format()
    known = formats.from_extension(path)
    if known is None:
        raise UsageError(f"cannot tell the RDF format of {path} from its extension; use .ttl .nt "
                         f".nq .trig .rdf .jsonld or {what}", source=path)
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


def check_safe(data: bytes, fmt: Any, source: str) -> None:
    """PolicyError (exit 4) for what must never be parsed: a DOCTYPE in RDF/XML."""
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(data):
        raise PolicyError("DOCTYPE declarations are refused in RDF/XML input (entity expansion)",
                          source=source)


def syntax_error(exc: Exception, source: str) -> InputError | PolicyError:
    """pyoxigraph's parse error as one InputError line at the start of the offending token.

    >>> str(syntax_error(SyntaxError("Parser error between line 3 column 11 and line 4 column 1: "
    ...                               "Unexpected end of file"), "a.ttl"))
    'a.ttl:3:11: cannot parse RDF: Unexpected end of file'
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
    return InputError(f"cannot parse RDF: {msg}", source=source, line=line, column=col)


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
        raise syntax_error(exc, source) from None
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
        raise syntax_error(exc, source) from None
    except MemoryError:  # pyoxigraph's 16 MiB token buffer (a long literal over many lines)
        raise InputError("a token longer than the engine's 16 MiB buffer", source=source) from None


def with_contexts(data: bytes, fmt: Any, source: str, base_iri: str | None = None) -> tuple[bytes, Any]:
    """`(data, fmt)` as pyoxigraph can read them: JSON-LD naming a `@context` document, when
    the command allows contexts, parsed by rdflib (which loads the context: a URL is fetched,
    a relative reference read beside the file) and handed on as N-Quads; anything else as given."""
    if fmt != ox.RdfFormat.JSON_LD or not inputcheck.remote_contexts_allowed() \
            or not inputcheck.names_context(data):
        return data, fmt
    import rdflib  # noqa: PLC0415 - only for JSON-LD with a context document

    from kgtool import io as kio  # noqa: PLC0415

    text = data.removeprefix(_BOM).decode("utf-8", "replace")
    with warnings.catch_warnings():  # rdflib 7's JSON-LD/N-Quads plugins use deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = kio.parse_rdf(text, "json-ld", source=source, base=base_iri,
                                graph=rdflib.Dataset())
        return dataset.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS


__all__ = ["check_safe", "file_errors", "load", "parse", "rdf_format", "read_bytes", "syntax_error",
           "with_contexts"]
