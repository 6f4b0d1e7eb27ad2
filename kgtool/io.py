"""Reading and writing RDF the way kgtool promises: exact values, stable bytes, no half-written files.

kgtool keeps facts in rdflib graphs where it assembles and serialises them (build, link, the
pySHACL reference engine, RDF/XML and JSON-LD export). This module is where those graphs
come from and go to:

* **One reader.** `parse_rdf` parses with pyoxigraph through kgtool.oxreader, the reader of
  every other loader, and hands the triples to rdflib. So a broken file gives the same one-line
  error at the same `FILE:LINE:COL` whichever command reads it, and the refusals (DOCTYPE,
  JSON-LD contexts, over-long lines) are the same everywhere. rdflib's parsers are used only
  for JSON-LD whose `@context` the user allowed to be loaded (pyoxigraph cannot load one).
* **Values stay as written.** pyoxigraph keeps each literal's lexical form and kgtool builds
  the rdflib terms with `normalize=False`, so a figure quoted as `2.60` stays `2.60`, whatever
  the host program set `rdflib.NORMALIZE_LITERALS` to (kgtool.rdflib_settings).
* **Stable, diff-friendly output.** `serialize_turtle` binds the project's prefix table, never
  invents `ns1:` prefixes, writes things relative to the `@base` of `namespaces.ID`, prints
  every literal with its own lexical form (rdflib's writer prints doubles as `1e+03` and adds
  `.0` to decimals) and is byte-identical whatever the hash seed.
* **Atomic writes.** `atomic_write` writes a temp file beside the target and renames it, so a
  crash or Ctrl-C never leaves a truncated graph behind.
"""
from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path
from typing import Any, Iterable

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.serializers.turtle import TurtleSerializer

from kgtool import inputcheck, outfile, oxreader
from kgtool.errors import InputError
from kgtool.namespaces import ID, PREFIXES
from kgtool.rdflib_settings import exact_literals


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def parse_rdf(path_or_text: str | os.PathLike[str], format: str | None = None, *,  # noqa: A002 - rdflib's name
              source: str | None = None, base: str | None = None,
              graph: Graph | None = None, allow_remote_context: bool = False) -> Graph:
    """Parse a file (a `Path`, or a `str` naming an existing file) or RDF text into a Graph.

    `format` is any name of `kgtool.formats` (default: the file's extension; text defaults to
    Turtle). `source` names the input in error messages (default: the path, or `<input>` for
    text). `base` resolves relative IRIs (default: the file itself). Every triple of every
    graph goes into `graph` (each once), or into its own graph when `graph` is an
    `rdflib.Dataset`.

    The parser is kgtool.oxreader's, the one every loader uses, so a bad file gives the same
    one-line `InputError` (file, line, column) here as in `query --data`, `load` or `validate`;
    a DOCTYPE in RDF/XML, a JSON-LD `@context` naming a URL or file (unless
    `allow_remote_context`) and a line longer than `inputcheck.max_line_bytes()` are refused
    the same way. Literals keep their lexical form (`2.60`, `01`, `"1.0E8"^^xsd:double`);
    language tags keep the file's spelling (`zh-Hans`), which pyoxigraph lowercases.

        >>> g = parse_rdf('<https://e.org/a> <https://e.org/p> 2.60 .')
        >>> str(next(iter(g.objects())))
        '2.60'
        >>> parse_rdf('<https://e.org/a> <https://e.org/p> "x .', source="a.ttl")
        Traceback (most recent call last):
        kgtool.errors.InputError: a.ttl:1:37: cannot parse RDF: unterminated string (it opens here)
    """
    is_path = isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text
        and len(path_or_text) < 4096 and _looks_like_path(path_or_text))
    with inputcheck.remote_contexts(allow_remote_context or inputcheck.remote_contexts_allowed()):
        if is_path:
            path = Path(path_or_text)
            name = source or str(path_or_text)
            # A file's relative IRIs resolve against the file (RDF 1.1), not the current
            # directory: the same file gives the same triples from anywhere.
            base = base if base is not None else path.resolve().as_uri()
            fmt = oxreader.rdf_format(str(path), format, what=None)
            data = oxreader.read_bytes(path, name)
        else:
            name = source or "<input>"
            fmt = oxreader.rdf_format(name, format or "turtle", what=None)
            data = str(path_or_text).encode("utf-8")
        quads = oxreader.parse(data, fmt, name, base_iri=base)
    target = graph if graph is not None else Graph(bind_namespaces="none")
    add_quads(target, quads, data)
    return target


def add_quads(target: Graph, quads: Iterable[Any], text: bytes = b"") -> None:
    """Add pyoxigraph quads to an rdflib graph: terms as written (`normalize=False`), blank
    nodes fresh for this document, language tags spelt as in `text` (`output.LangCase`).

    A plain Graph receives every graph's triples (the union); a Dataset keeps the graphs."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool.output import LangCase  # noqa: PLC0415

    lang = LangCase()
    lang.add_from_text(text.decode("utf-8", "replace"))
    bnodes: dict[str, BNode] = {}

    def term(t: Any) -> Any:
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            node = bnodes.get(t.value)
            if node is None:
                node = bnodes[t.value] = BNode()
            return node
        if t.language:
            return Literal(t.value, lang=lang(t.language))
        if t.datatype.value == _XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value), normalize=False)

    dataset = target if isinstance(target, Dataset) else None
    for q in quads:
        triple = (term(q.subject), term(q.predicate), term(q.object))
        if dataset is not None and not isinstance(q.graph_name, ox.DefaultGraph):
            dataset.graph(term(q.graph_name)).add(triple)
        else:
            target.add(triple)


def jsonld_with_contexts(text: str, source: str, base: str | None) -> bytes:
    """JSON-LD whose `@context` names documents, as N-Quads, with rdflib's parser, which loads
    the contexts (a URL is fetched, a relative reference read beside the file). Only for
    commands given `--allow-remote-context` (kgtool.oxreader decides); pyoxigraph cannot."""
    dataset = Dataset()
    try:
        with warnings.catch_warnings(), exact_literals():  # rdflib 7's JSON-LD plugin warns
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(data=text, format="json-ld", publicID=base)
            return dataset.serialize(format="nquads", encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - the JSON-LD parser and its loaders raise anything
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"cannot parse JSON-LD: {message}", source=source) from None


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
