"""Pages as bytes: the Jinja2 environment, the RDF documents, and `respond`, the one router both
`kgtool serve` (kgtool/web/server.py) and `kgtool publish` (kgtool/web/publish.py) use.

Safety: autoescape is on for every template (HTML and SVG); `clean` runs on every printed value
(Jinja's `finalize`) and turns control characters and bidirectional overrides into visible
`[U+XXXX]` marks, and every graph value sits in a `<bdi>` in the templates, so a hostile label can
neither inject markup nor reorder the text around it. Pages carry no script at all; `CSP` allows
only our own stylesheet, images and form targets.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kgtool import output
from kgtool.web import urls, views
from kgtool.web.site import Site

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
CLASS_LIMIT = 2000
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069\ufeff]")


def clean(value: Any) -> Any:
    """Make control and bidi-control characters visible (escaping happens after this)."""
    if isinstance(value, str) and not isinstance(value, Markup) and _UNSAFE.search(value):
        return _UNSAFE.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", value)
    return value


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html", "svg"], default=True),
                      undefined=StrictUndefined, finalize=clean, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    return env


@dataclass
class Page:
    """An answer: status, media type, body and extra headers."""

    status: int
    ctype: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


# A query runner: (query text) -> the endpoint's answer dict ({status, fmt, body, truncated, n}
# or {status, message}); the server's goes through its worker pool, publish's runs in-process.
Runner = Callable[[str, str], dict[str, Any]]


class Renderer:
    """Renders the pages of one Site."""

    def __init__(self, site: Site, *, ontology: Any = None, runner: Runner | None = None,
                 static: bool = False, row_cap: int = 10000, allow_from: bool = False) -> None:
        self.site, self.ontology, self.runner = site, ontology, runner
        self.static, self.row_cap, self.allow_from = static, row_cap, allow_from
        self.env = environment()

    def html(self, template: str, page: str, status: int = 200, *, rooted: bool = False,
             **ctx: Any) -> Page:
        """Render `template` as the page at `page`; `rooted`: links from the site root ("/"),
        for a page a web server may show at any path (the static 404 page)."""
        root = "/" if rooted else "../" * urls.depth(page)
        nav = {name: (root + target if rooted else urls.rel(page, target)) for name, target in (
            ("home", "index.html"), ("classes", "classes.html"), ("search", "search.html"),
            ("query", "query.html"), ("ontology", "ontology.html"), ("css", "static/site.css"))}
        if not self.static:
            nav["search_action"] = root + "search"
            nav["query_action"] = root + "query"
        else:
            nav["search_action"] = nav["search"]
            nav["query_action"] = nav["query"]
        body = self.env.get_template(template).render(page=page, nav=nav, static=self.static,
                                                      sources=views.sources_list(self.site, page),
                                                      **ctx)
        return Page(status, "text/html; charset=utf-8", body.encode("utf-8"),
                    {"Content-Security-Policy": CSP})

    # ------------------------------------------------------------ the pages
    def home(self) -> Page:
        return self.html("home.html", "index.html", classes=views.classes(self.site, "index.html"))

    def entity_or_source(self, iri: str, page: str) -> Page:
        if iri in self.site.sources() and self.site.sources()[iri].text:
            return self.html("source.html", page, e=views.entity(self.site, page, iri),
                             s=views.source(self.site, page, iri))
        return self.html("entity.html", page, e=views.entity(self.site, page, iri))

    def document(self, iri: str, ext: str) -> Page:
        """The RDF document of a thing (its triples and its spans'), sorted: deterministic."""
        ctype, fmt = urls.DOCUMENTS[ext]
        triples = self.site.triples_about(iri)
        out = io.StringIO()
        output.write_graph(out, fmt, triples, self.site.lang, output.Prefixes())
        return Page(200, ctype + "; charset=utf-8", out.getvalue().encode("utf-8"))

    def classes(self) -> Page:
        return self.html("classes.html", "classes.html", c=views.classes(self.site, "classes.html"))

    def class_index(self, cls: str) -> Page:
        page = urls.class_page(cls)
        return self.html("class.html", page,
                         c=views.class_index(self.site, page, ox.NamedNode(cls), CLASS_LIMIT))

    def search(self, needle: str, page: str = "search.html") -> Page:
        """Labels containing `needle`: through the endpoint's worker pool (its timeout) when
        serving, else (the static index) from the in-process view."""
        if needle and self.runner is not None and not self.static:
            from kgtool.web import querypage  # noqa: PLC0415

            found = querypage.label_search(self, needle, page)
            if found is not None:
                return self.html("search.html", page, r=found)
        return self.html("search.html", page, r=views.label_index(self.site, page, needle))

    def ontology_page(self) -> Page:
        pic = None
        if self.ontology is not None:
            from kgtool.web import pictures  # noqa: PLC0415

            pic = pictures.ontology(self.ontology, self.site.lang, self.site.base, "ontology.html")
        return self.html("ontology.html", "ontology.html", pic=pic)

    def not_found(self, path: str) -> Page:
        """The 404 page; served at `path` itself (links relative to it), or, in a static site,
        as 404.html shown by the web server at any path (links from the root)."""
        if self.static:
            return self.html("notfound.html", "404.html", status=404, rooted=True, path=path)
        page = path if path and "\x00" not in path else "404.html"
        return self.html("notfound.html", page, status=404, path=path)

    def css(self) -> Page:
        return Page(200, "text/css; charset=utf-8", (STATIC / "site.css").read_bytes())

    def query_page(self, text: str, name: str | None, page: str = "query.html",
                   downloads: dict[str, str] | None = None) -> Page:
        from kgtool.web import querypage  # noqa: PLC0415

        ctx = querypage.context(self, text, name, page, downloads)
        return self.html("query.html", page, status=ctx.pop("status"), **ctx)

    # ------------------------------------------------------------ routing (serve)
    def respond(self, path: str, params: dict[str, list[str]], accept: str | None) -> Page:
        """The answer for a site path (no leading slash, percent-decoded)."""
        first = {k: v[0] for k, v in params.items() if v}
        if path in ("", "index.html"):
            return self.home()
        if path == "static/site.css":
            return self.css()
        if path == "classes.html":
            return self.classes()
        if path.startswith("classes/"):
            for c, _ in self.site.class_counts():
                if urls.class_page(c.value) == path:
                    return self.class_index(c.value)
            return self.not_found(path)
        if path in ("search", "search.html"):
            return self.search(first.get("q", ""), path)
        if path in ("query", "query.html"):
            return self.query_page(first.get("query", ""), first.get("name"), path)
        if path == "ontology.html":
            return self.ontology_page()
        doc = urls.split_doc(path)
        if doc is not None:
            rest, ext = doc
            iri = self.site.base + rest
            if self.site.exists(iri):
                return self.entity_or_source(iri, path) if ext == "html" else self.document(iri, ext)
        iri = self.site.base + path
        if path and self.site.exists(iri):
            chosen = negotiate_document(accept)
            if chosen is None:
                return Page(406, "text/plain; charset=utf-8",
                            b"error: 406 this thing has documents in text/html, text/turtle, "
                            b"application/ld+json and application/n-triples\n", {"Vary": "Accept"})
            target = "/" + quote(urls.doc_path(path, chosen), safe="/")
            return Page(303, "text/plain; charset=utf-8",
                        f"303 See Other: {iri} is a thing, not a document\n".encode("utf-8"),
                        {"Location": target, "Vary": "Accept"})
        return self.not_found(path)


def negotiate_document(accept: str | None) -> str | None:
    """The document suffix for an Accept header (HTML for */* and for browsers)."""
    from kgtool.serve import _accept_list  # noqa: PLC0415 - the endpoint's own Accept parser

    for mtype in _accept_list(accept):
        if mtype in ("*/*", "text/*"):
            return "html"
        for known, ext in urls.ACCEPT:
            if mtype == known or (mtype.endswith("/*") and known.startswith(mtype[:-1])):
                return ext
    return None
