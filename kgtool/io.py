"""Reading and writing RDF the way kgtool promises: exact values, stable bytes, no half-written files.

Why this module exists rather than calling rdflib directly:

* **Values stay as written.** rdflib's Turtle parser turns the shorthand `01` into `1` and, unless
  `rdflib.NORMALIZE_LITERALS` is off (`parse_rdf` turns it off for the parse only, see
  kgtool.rdflib_settings), rewrites typed literals; its Turtle serializer prints doubles
  as `1e+03` and appends `.0` to decimals. The facts are statistics quoted from an article, so
  `2.60` must stay `2.60`. We parse Turtle with a parser that keeps the lexical form of numeric
  shorthand and serialise every literal with its own lexical form.
* **Errors are one line with a location.** rdflib reports `at line N of <>:` with a bytes snippet
  and no column; `parse_rdf` turns every parser failure into an `InputError(source, line, col)`.
* **Stable, diff-friendly output.** `serialize_turtle` binds the project's prefix table, never
  invents `ns1:` prefixes, writes things relative to the `@base` of `namespaces.ID`, and is
  byte-identical whatever the hash seed.
* **Atomic writes.** `atomic_write` writes a temp file beside the target and renames it, so a
  crash or Ctrl-C never leaves a truncated graph behind.
"""
from __future__ import annotations

import io
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, MutableSequence

import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.parser import InputSource, Parser
from rdflib.plugins.parsers import notation3
from rdflib.plugins.serializers.turtle import TurtleSerializer

from kgtool import inputcheck, outfile
from kgtool.errors import InputError, PolicyError
from kgtool.namespaces import ID, PREFIXES
from kgtool.rdflib_settings import exact_literals

_FORMATS = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt", ".nq": "nquads",
    ".trig": "trig", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml",
    ".owl": "xml", ".n3": "n3",
}
_TURTLE_LIKE = {"turtle", "ttl", "n3"}


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

class _LexicalSinkParser(notation3.SinkParser):
    """rdflib's Turtle parser, except that numeric shorthand keeps its lexical form (`01`, `2.60`)."""

    def nodeOrLiteral(self, argstr: str, i: int, res: MutableSequence[Any]) -> int:  # noqa: N802 - rdflib's method name, overridden
        before = len(res)
        j = super().nodeOrLiteral(argstr, i, res)
        if j < 0 or len(res) != before + 1:
            return j
        value = res[-1]
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, notation3.sfloat)):
            return j
        start = self.skipSpace(argstr, i)
        lexical = argstr[start:j]
        if isinstance(value, notation3.sfloat):
            datatype = XSD.double
        elif isinstance(value, Decimal):
            datatype = XSD.decimal
        else:
            datatype = XSD.integer
        res[-1] = Literal(lexical, datatype=datatype, normalize=False)
        return j


class LexicalTurtleParser(Parser):
    """The Turtle parser plugin `kgtool-turtle`: rdflib's, with `_LexicalSinkParser`."""

    def parse(self, source: InputSource, sink: Graph, **kwargs: Any) -> None:
        graph = sink
        rdf_sink = notation3.RDFSink(graph)
        base = graph.absolutize(source.getPublicId() or source.getSystemId() or "")
        parser = _LexicalSinkParser(rdf_sink, baseURI=base, turtle=True)
        stream = source.getCharacterStream() or source.getByteStream()
        parser.loadStream(stream)  # type: ignore[arg-type]  # rdflib types its streams loosely
        for prefix, namespace in parser._bindings.items():
            graph.bind(prefix, namespace)


rdflib.plugin.register("kgtool-turtle", Parser, __name__, "LexicalTurtleParser")


def guess_format(path: str | os.PathLike[str]) -> str:
    """The rdflib format name for a file, from its extension; InputError when unknown."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise InputError(f"cannot tell the RDF format from the extension {suffix or '(none)'!r}; "
                         f"expected one of {', '.join(sorted(_FORMATS))}", source=str(path))
    return _FORMATS[suffix]


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column (in code points) of `index` in `text`."""
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


_LINE_RE = re.compile(r"line[:\s]+(\d+)", re.IGNORECASE)
_COL_RE = re.compile(r"col(?:umn)?[:\s]+(\d+)", re.IGNORECASE)


def _unterminated(text: str, closer: str) -> int | None:
    """Where the first string (`closer` '"') or IRI (`closer` '>') that never ends opens, by a
    forward scan that skips comments, IRIs and complete strings; None when every one ends.

    >>> _unterminated('<a> <p> "ok" , "no end', '"')
    15
    """
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "<":
            end = text.find(">", i + 1)
            if end < 0 or "\n" in text[i:end]:
                return i if closer == ">" else None
            i = end + 1
        elif c in "\"'":
            delim = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(delim)
            while j < n and not text.startswith(delim, j) and (len(delim) == 3 or text[j] != "\n"):
                j += 2 if text[j] == "\\" else 1
            if j >= n or not text.startswith(delim, j):
                return i if closer == '"' else None
            i = j + len(delim)
        else:
            i += 1
    return None


_LAST_DIRECTIVE = re.compile(r"\s*@(?:prefix|base)\b[^<]*<[^>]*>\s*")  # the final `.` missing


def _turtle_error(text: str, index: int, why: str, source: str) -> InputError:
    """A Turtle error at the real place: the opening of an unterminated string or IRI (rdflib
    reports where it gave up, often the end of the file), or, for input that ends in the middle
    of a statement (rdflib: index -1, or an IndexError), just after the last token, not 1:1."""
    why = " ".join(why.split())
    start = _unterminated(text, '"' if "string" in why else ">") if "unterminated" in why else None
    if start is not None:
        index = start
    elif index < 0 or index >= len(text) or (
            why.startswith("expected directive") and _LAST_DIRECTIVE.fullmatch(text, index)):
        index = len(text.rstrip())
        why = f"the file ends in the middle of a statement ({why})" if why else \
            "the file ends in the middle of a statement"
    line, column = _position(text, index)
    snippet = text[index:index + 20].split("\n", 1)[0].strip()
    detail = f"{why} (at {snippet!r})" if snippet else why
    return InputError(f"bad Turtle syntax: {detail}", source=source, line=line, column=column)


def _as_input_error(exc: Exception, source: str, text: str | None = None) -> InputError:
    """Normalise the many shapes of rdflib/XML/JSON parser errors into one InputError.

    `text` is the Turtle/TriG input, when it is: rdflib's Turtle parser runs off the end of an
    unfinished statement with an IndexError, which then points at the end of the input."""
    if isinstance(exc, notation3.BadSyntax):
        return _turtle_error(exc._str.decode("utf-8", errors="replace"), exc._i, exc._why, source)
    if isinstance(exc, IndexError) and text is not None:
        return _turtle_error(text, len(text), "", source)
    if isinstance(exc, AssertionError) and text is not None and "Quote expected" in str(exc):
        return _turtle_error(text, len(text), "unterminated string literal", source)
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_line):  # xml.sax.SAXParseException
        message = exc.getMessage() if hasattr(exc, "getMessage") else str(exc)
        return InputError(f"bad RDF/XML: {message}", source=source, line=get_line(),
                          column=exc.getColumnNumber())  # type: ignore[attr-defined]  # a SAXParseException
    message = " ".join(str(exc).split()) or type(exc).__name__
    line_m, col_m = _LINE_RE.search(message), _COL_RE.search(message)
    return InputError(f"cannot parse RDF: {message}", source=source,
                      line=int(line_m.group(1)) if line_m else None,
                      column=int(col_m.group(1)) if (line_m and col_m) else None)


def parse_rdf(path_or_text: str | os.PathLike[str], format: str | None = None, *,  # noqa: A002 - rdflib's name
              source: str | None = None, base: str | None = None,
              graph: Graph | None = None, allow_remote_context: bool = False) -> Graph:
    """Parse a file (a `Path`, or a `str` naming an existing file) or RDF text into a Graph.

    `format` defaults to the file extension (text defaults to Turtle). `source` names the input
    in error messages (default: the path, or `<input>` for text). `base` resolves relative IRIs.
    Any failure -- a missing file, bad syntax, a DOCTYPE in XML -- raises `InputError` with the
    line and column when the parser knows them. Turtle keeps every literal's lexical form.
    A JSON-LD `@context` naming a URL or file is refused (PolicyError) unless
    `allow_remote_context`; a line longer than `inputcheck.max_line_bytes()` is refused.

        >>> g = parse_rdf('<https://e.org/a> <https://e.org/p> 2.60 .')
        >>> str(next(iter(g.objects())))
        '2.60'
    """
    is_path = isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text
        and len(path_or_text) < 4096 and _looks_like_path(path_or_text))
    if is_path:
        path = Path(path_or_text)
        name = source or str(path_or_text)
        # A file's relative IRIs resolve against the file (RDF 1.1), not the current directory:
        # the same file gives the same triples from anywhere, as the pyoxigraph readers do.
        base = base if base is not None else path.resolve().as_uri()
        fmt = format or guess_format(path)
        try:
            inputcheck.preflight(path, name, jsonld=fmt == "json-ld",
                                 allow_remote_context=allow_remote_context)
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError("no such file", source=name) from None
        except IsADirectoryError:
            raise InputError("is a directory, not an RDF file", source=name) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=name) from None
        if data.startswith(inputcheck.BOM):
            data = data[3:]  # a UTF-8 byte-order mark (Windows editors) is not content
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column = _position(data[:exc.start].decode("utf-8", "replace"), exc.start)
            raise InputError("not valid UTF-8", source=name, line=line, column=column) from None
    else:
        text = str(path_or_text).removeprefix("\ufeff")
        name = source or "<input>"
        fmt = format or "turtle"
    if fmt == "json-ld" and not is_path and not (allow_remote_context
                                                 or inputcheck.remote_contexts_allowed()):
        inputcheck.refuse_jsonld_contexts(text, name)
    if fmt in _TURTLE_LIKE:
        fmt = "kgtool-turtle"
    if fmt in ("xml", "trix") and "<!DOCTYPE" in text.upper():
        raise PolicyError("DOCTYPE declarations are refused in XML input (entity expansion)",
                          source=name)
    target = graph if graph is not None else Graph(bind_namespaces="none")
    try:
        with exact_literals():  # keep `"0012"^^xsd:integer` as written, only for this parse
            target.parse(data=text, format=fmt, publicID=base)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - parsers raise anything; normalise them all
        raise _as_input_error(exc, name, text if fmt in ("kgtool-turtle", "trig") else None) from None
    return target


def _looks_like_path(text: str) -> bool:
    """A one-line string is a path unless it looks like RDF (`<`, `@prefix`, `{`, `[`)."""
    stripped = text.lstrip()
    return not stripped.startswith(("<", "@", "{", "[", "PREFIX", "prefix", "_:"))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+\Z")
_DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+\Z")
_SHORTHAND = {XSD.integer: _INTEGER, XSD.decimal: _DECIMAL, XSD.double: _DOUBLE}
_RELATIVE_OK = re.compile(r"[a-z]+/[^#?]*\Z")


class StableTurtleSerializer(TurtleSerializer):
    """rdflib's Turtle serializer, with literal lexical forms kept, no generated prefixes, and
    things under `namespaces.ID` written relative to `@base`."""

    def get_pname(self, uri: Any, gen_prefix: bool = True) -> str | None:
        return super().get_pname(uri, gen_prefix=False)

    def label(self, node: Any, position: int) -> str:
        if isinstance(node, Literal):
            pattern = _SHORTHAND.get(node.datatype) if node.datatype else None
            lexical = str(node)
            if pattern is not None and pattern.match(lexical):
                return lexical
            if node.datatype == XSD.boolean and lexical in ("true", "false"):
                return lexical
            return node._literal_n3(use_plain=False,
                                    qname_callback=lambda dt: self.get_pname(dt, False))
        if isinstance(node, URIRef) and self.base == ID and node.startswith(ID):
            rest = node[len(ID):]
            if _RELATIVE_OK.match(rest) and "/./" not in rest and "/../" not in rest \
                    and "//" not in rest and not rest.endswith(("/.", "/..")):
                return "<" + rest.replace(">", "%3E") + ">"
        return super().label(node, position)


def serialize_turtle(graph: Graph, *, header: str = "") -> bytes:
    """Deterministic Turtle for `graph`: project prefixes, `@base` for things, sorted, lexical forms kept.

    Triples are copied in sorted N-Triples order into a fresh graph first, so that even ties in
    rdflib's sort (equal values with different lexical forms) come out the same on every run.
    `header` (e.g. a `# comment` line) is written verbatim before the Turtle.
    """
    ordered = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        ordered.bind(prefix, namespace, override=True, replace=True)
    for triple in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
        ordered.add(triple)
    serializer = StableTurtleSerializer(ordered)
    buffer = io.BytesIO()
    serializer.serialize(buffer, base=ID, encoding="utf-8")
    return header.encode("utf-8") + buffer.getvalue()


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same directory and `os.replace`.

    Readers see either the old file or the complete new one, never a partial write. The parent
    directory must exist (InputError otherwise). Devices and FIFOs are written through, other
    non-regular targets refused (kgtool.outfile, the one output helper)."""
    outfile.write_bytes(path, data)
