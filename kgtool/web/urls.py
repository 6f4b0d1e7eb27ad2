"""Where an IRI lives on the site: the Cool-URIs mapping, shared by `serve` and `publish`.

We follow "303 URIs forwarding to different documents" (W3C Interest Group Note "Cool URIs for
the Semantic Web", section 4.2): the IRI of a *thing* under the base, `{base}{rest}`, is answered
at `/{rest}` by a 303 See Other to one of its *documents*, chosen by the Accept header (Vary:
Accept): `/{rest}.html`, `/{rest}.ttl`, `/{rest}.jsonld` or `/{rest}.nt`. The documents are
ordinary files, so a static copy of the site (`kgtool publish`) serves the same URLs, and a
w3id-style redirect only has to add the suffix. An IRI ending in `/` (the ontology,
`https://w3id.org/kgtool/def/`) has its documents at `{rest}index.{ext}`.

Pages link to documents with *relative* URLs (`rel(page, target)`), so the same HTML works from
`kgtool serve`, from any web server and from `file://`.
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from kgtool.namespaces import PREFIXES

DEFAULT_BASE = "https://w3id.org/kgtool/"

# Document suffix -> (media type, output format name of kgtool.output).
DOCUMENTS: dict[str, tuple[str, str]] = {
    "html": ("text/html", "html"),
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "jsonld"),
    "nt": ("application/n-triples", "nt"),
}
# Accept media types -> suffix (first match in the client's order of preference wins).
ACCEPT: list[tuple[str, str]] = [
    ("text/html", "html"), ("application/xhtml+xml", "html"),
    ("text/turtle", "ttl"), ("application/x-turtle", "ttl"),
    ("application/ld+json", "jsonld"), ("application/json", "jsonld"),
    ("application/n-triples", "nt"), ("text/plain", "nt"),
]


def doc_path(rest: str, ext: str) -> str:
    """The document path (no leading slash) of the thing at `rest` in format `ext`."""
    return f"{rest}index.{ext}" if rest == "" or rest.endswith("/") else f"{rest}.{ext}"


def split_doc(path: str) -> tuple[str, str] | None:
    """(`rest`, `ext`) when `path` names a document, else None."""
    for ext in DOCUMENTS:
        if path.endswith("." + ext):
            stem = path[: -len(ext) - 1]
            if stem.endswith("/index") or stem == "index":
                return stem[: -len("index")], ext
            return stem, ext
    return None


def depth(page: str) -> int:
    """Folders between the site root and `page` (a path without a leading slash)."""
    return page.count("/")


def rel(page: str, target: str) -> str:
    """A relative URL from the page at `page` to `target` (both site paths, no leading slash),
    percent-encoded (IRIs hold Chinese keys and `+`, `(`, `)`)."""
    return "../" * depth(page) + quote(target, safe="/#")


def class_page(iri: str) -> str:
    """The class index page of a class IRI: `classes/{prefix}/{local}.html`."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and iri[len(ns):] and "/" not in iri[len(ns):]:
            return f"classes/{prefix}/{iri[len(ns):]}.html"
    return f"classes/_/{hashlib.sha1(iri.encode('utf-8')).hexdigest()[:16]}.html"


# Display-only prefixes for vocabularies the links use but the data files do not declare.
_SHOWN = {**PREFIXES, "sssom": "https://w3id.org/sssom/", "semapv": "https://w3id.org/semapv/vocab/"}


def curie(iri: str) -> str:
    """`prefix:local` for an IRI in a known namespace, else `<iri>`."""
    for prefix, ns in sorted(_SHOWN.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            local = iri[len(ns):]
            if local and all(c.isalnum() or c in "_-." for c in local) and not local.endswith("."):
                return f"{prefix}:{local}"
    return f"<{iri}>"
