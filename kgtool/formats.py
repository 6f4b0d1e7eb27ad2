"""The one format table: every results and RDF format kgtool reads or writes, by name.

`query`, `export`, `serve`, `load`, the remote client and `push` look formats up here instead of
keeping their own lists of names, so `ttl`, `rdfxml` or `srj` mean the same thing everywhere.
Modelled on pyoxigraph's `RdfFormat` / `QueryResultsFormat`: a `Format` value with a name,
aliases, media types (the preferred one first), a file extension and its kind, with lookups by
name, extension and media type. Stdlib only: `kgtool query` imports it on every start.

A name can mean two formats of different kinds (`xml` is SPARQL XML results for a SELECT and
RDF/XML for a graph; `json` is SPARQL JSON results or JSON-LD), so lookups take the kind.

>>> lookup("ttl").name
'turtle'
>>> lookup("xml", kind=RESULTS).media_type
'application/sparql-results+xml'
>>> lookup("xml", kind=RDF).name
'rdfxml'
>>> from_media_type("application/n-triples; charset=utf-8").name
'nt'
>>> from_extension("data.jsonld").name
'jsonld'
>>> lookup("n3") is None
True
"""
from __future__ import annotations

from typing import Any, Iterator, Literal

Kind = Literal["results", "rdf"]
RESULTS: Kind = "results"
RDF: Kind = "rdf"


class Format:
    """One format: `name` (what kgtool prints), `aliases`, `media_types` (preferred first),
    `extension` (without the dot; "" when files of it are not a thing) and `kind`.

    `datasets` says whether the RDF format carries named graphs (TriG, N-Quads)."""

    __slots__ = ("name", "aliases", "media_types", "extension", "kind", "label", "datasets")

    def __init__(self, name: str, kind: Kind, media_types: tuple[str, ...], extension: str,
                 label: str, aliases: tuple[str, ...] = (), datasets: bool = False) -> None:
        self.name, self.kind, self.media_types, self.extension = name, kind, media_types, extension
        self.label, self.aliases, self.datasets = label, aliases, datasets

    @property
    def media_type(self) -> str:
        """The preferred media type (what a server answering in this format sends)."""
        return self.media_types[0]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def rdf_format(self) -> Any:
        """The pyoxigraph `RdfFormat` (RDF kinds only; imports pyoxigraph)."""
        import pyoxigraph as ox  # noqa: PLC0415 - keep this module stdlib-only at import

        if self.kind != RDF:
            raise ValueError(f"{self.name} is not an RDF format")
        return ox.RdfFormat.from_media_type(self.media_type)

    def results_format(self) -> Any:
        """The pyoxigraph `QueryResultsFormat` (json, xml, csv, tsv only)."""
        import pyoxigraph as ox  # noqa: PLC0415

        fmt = ox.QueryResultsFormat.from_media_type(self.media_type) if self.kind == RESULTS else None
        if fmt is None:
            raise ValueError(f"{self.name} is not a SPARQL results format")
        return fmt

    def __repr__(self) -> str:
        return f"<Format {self.name} ({self.kind}, {self.media_type})>"


# The table. Order matters for media-type lookups (first match wins) and for listings.
FORMATS: tuple[Format, ...] = (
    Format("table", RESULTS, ("text/plain",), "txt", "aligned text table", ("text",)),
    Format("tsv", RESULTS, ("text/tab-separated-values",), "tsv", "SPARQL 1.1 TSV results"),
    Format("csv", RESULTS, ("text/csv",), "csv", "SPARQL 1.1 CSV results"),
    Format("json", RESULTS, ("application/sparql-results+json", "application/json"), "srj",
           "SPARQL 1.1 JSON results", ("srj",)),
    Format("jsonl", RESULTS, ("application/x-ndjson",), "jsonl", "one JSON object per row",
           ("ndjson",)),
    Format("xml", RESULTS, ("application/sparql-results+xml", "application/xml", "text/xml"),
           "srx", "SPARQL 1.1 XML results", ("srx",)),
    Format("turtle", RDF, ("text/turtle", "application/x-turtle", "application/turtle"), "ttl",
           "Turtle", ("ttl",)),
    Format("nt", RDF, ("application/n-triples", "text/plain"), "nt", "N-Triples",
           ("ntriples", "n-triples")),
    Format("nq", RDF, ("application/n-quads",), "nq", "N-Quads", ("nquads", "n-quads"),
           datasets=True),
    Format("trig", RDF, ("application/trig",), "trig", "TriG", datasets=True),
    Format("jsonld", RDF, ("application/ld+json", "application/json", "application/x-json+ld"),
           "jsonld", "JSON-LD", ("json-ld", "json")),
    Format("rdfxml", RDF, ("application/rdf+xml", "application/xml", "text/xml"), "rdf",
           "RDF/XML", ("xml", "rdf", "rdf+xml", "xml-rdf", "owl")),
)

FORMAT: dict[str, Format] = {f.name: f for f in FORMATS}   # by canonical name


def formats(kind: Kind | None = None) -> Iterator[Format]:
    """Every format (of one kind)."""
    return (f for f in FORMATS if kind is None or f.kind == kind)


def names(kind: Kind | None = None) -> list[str]:
    """The canonical names (of one kind), in table order: for help texts and error messages."""
    return [f.name for f in formats(kind)]


def lookup(name: str | None, *, kind: Kind | None = None) -> Format | None:
    """The format called `name` (canonical name or alias, any case), or None.

    Without `kind`, a canonical name wins over an alias (`xml` is the results format; `json`
    too). A media type is accepted as well (`format=text/tab-separated-values`)."""
    if not name:
        return None
    key = name.strip().lower()
    if "/" in key:
        return from_media_type(key, kind=kind)
    pool = list(formats(kind))
    for fmt in pool:
        if fmt.name == key:
            return fmt
    for fmt in pool:
        if key in fmt.aliases:
            return fmt
    return None


def from_media_type(media_type: str | None, *, kind: Kind | None = None) -> Format | None:
    """The format of a media type (parameters such as `; charset=utf-8` ignored), or None."""
    if not media_type:
        return None
    key = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in formats(kind) if key in f.media_types), None)


def from_extension(path: str, *, kind: Kind | None = RDF) -> Format | None:
    """The format of a file from its extension (RDF formats by default), or None."""
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    ext = path[dot + 1:].lower()
    for fmt in formats(kind):
        if ext == fmt.extension or (ext in fmt.aliases and ext not in ("json", "xml")):
            return fmt
    return None


def require(name: str, *, kind: Kind | None = None, allowed: tuple[str, ...] | None = None,
            what: str = "--format") -> Format:
    """`lookup`, or a UsageError (exit 2) listing the formats that would do."""
    from kgtool.errors import UsageError  # noqa: PLC0415

    fmt = lookup(name, kind=kind)
    if fmt is None or (allowed is not None and fmt.name not in allowed):
        choices = list(allowed) if allowed is not None else names(kind)
        raise UsageError(f"unknown format {name!r}; expected one of {', '.join(choices)}",
                         source=what)
    return fmt


__all__ = ["FORMAT", "FORMATS", "Format", "Kind", "RDF", "RESULTS", "formats", "from_extension",
           "from_media_type", "lookup", "names", "require"]
