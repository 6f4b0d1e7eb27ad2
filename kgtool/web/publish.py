"""`kgtool publish DIR`: the site as static files for any web server.

The same Renderer as `kgtool serve` writes every page and every per-thing RDF document
(`{rest}.html/.ttl/.jsonld/.nt`, see kgtool.web.urls), the class and label indexes, the ontology
diagram, the named queries with their answers in every results format (run by
`kgtool.serve.execute`, the endpoint workers' own function, with the same row cap), the dumps,
the DCAT record, and example Apache/nginx configuration that does the 303 redirect from a thing's
IRI to its document. Output is deterministic (sorted everything, no dates) and atomic: the site is
written into a temporary folder beside DIR and renamed into place; a DIR that exists must be an
earlier kgtool site (it has the `.kgtool-site` marker) or empty.
"""
from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from kgtool import output
from kgtool.errors import InputError, PolicyError
from kgtool.web import querypage, urls
from kgtool.web.render import CSP, Renderer
from kgtool.web.site import Site, open_site

MARKER = ".kgtool-site"
RESULT_EXT = {"json": "srj", "xml": "srx", "csv": "csv", "tsv": "tsv", "turtle": "ttl",
              "nt": "nt", "jsonld": "jsonld", "rdfxml": "rdf"}


@dataclass
class PublishSummary:
    directory: Path
    files: int
    things: int
    bytes: int


def _things(site: Site) -> list[str]:
    """Every IRI under the base that the data mentions, sorted."""
    found: set[str] = set()
    for st in site.stores:
        for q in st.quads_for_pattern(None, None, None, None):
            for t in (q.subject, q.object):
                if isinstance(t, ox.NamedNode) and t.value.startswith(site.base) and \
                        t.value != site.base:
                    found.add(t.value)
    return sorted(found)


def _runner(store: Any, lang: Any, union: bool, row_cap: int) -> Any:
    from kgtool.serve import execute  # noqa: PLC0415 - the endpoint workers' execution path

    def run(text: str, fmt: str) -> dict[str, Any]:
        return execute(store, lang, union, {"query": text, "fmt": fmt}, row_cap)

    return run


def redirect_config(base: str) -> dict[str, str]:
    """Example Apache and nginx configuration for the 303 from a thing to its document."""
    htaccess = f"""# kgtool: Cool URIs (303 See Other from a thing to its document), for Apache
# with mod_rewrite, mod_headers and mod_mime, AllowOverride All. Serve this site at the root
# of the host that {base} redirects to (a w3id.org entry such as
# `RewriteRule ^kgtool/(.*)$ https://example.org/$1 [R=302,L]`); save this file as .htaccess.
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType application/n-triples .nt
AddType application/sparql-results+json .srj
AddType application/sparql-results+xml .srx
AddDefaultCharset utf-8
AddCharset utf-8 .ttl .nt .jsonld .srj .srx .csv .tsv .css
DirectoryIndex index.html
Header set Content-Security-Policy "{CSP}"
Header set X-Content-Type-Options nosniff
Header append Vary Accept
ErrorDocument 404 /404.html
RewriteEngine On
RewriteBase /
# A thing whose IRI ends in / (the ontology, def/): 303 to its index document.
RewriteCond %{{REQUEST_FILENAME}}index.html -f
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^(.+/)$ $1index.ttl [R=303,L]
RewriteCond %{{REQUEST_FILENAME}}index.html -f
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^(.+/)$ $1index.jsonld [R=303,L]
RewriteCond %{{REQUEST_FILENAME}}index.html -f
RewriteCond %{{HTTP_ACCEPT}} application/n-triples
RewriteRule ^(.+/)$ $1index.nt [R=303,L]
RewriteCond %{{REQUEST_FILENAME}}index.html -f
RewriteRule ^(.+/)$ $1index.html [R=303,L]
# Any other thing's IRI is neither a file nor a folder: 303 to the document the client accepts.
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^(.*)$ $1.ttl [R=303,L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteCond %{{HTTP_ACCEPT}} application/ld\\+json
RewriteRule ^(.*)$ $1.jsonld [R=303,L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteCond %{{HTTP_ACCEPT}} application/n-triples
RewriteRule ^(.*)$ $1.nt [R=303,L]
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}}.html -f
RewriteRule ^(.*)$ $1.html [R=303,L]
"""
    nginx = f"""# kgtool: Cool URIs (303 See Other from a thing to its document), for nginx.
# The site is the folder written by `kgtool publish`; {base} redirects here.
# Include this file inside the http {{ }} block (map and server live there).
map $http_accept $kgtool_doc {{
    default                    html;
    "~*text/turtle"            ttl;
    "~*application/ld\\+json"   jsonld;
    "~*application/n-triples"  nt;
}}
server {{
    listen 8080;
    root /srv/kgtool-site;
    charset utf-8;
    charset_types text/css text/turtle application/n-triples application/ld+json
                  text/csv text/tab-separated-values application/sparql-results+json
                  application/sparql-results+xml;
    types {{ text/html html; text/css css; text/turtle ttl; application/ld+json jsonld;
             application/n-triples nt; application/sparql-results+json srj;
             application/sparql-results+xml srx; text/csv csv; text/tab-separated-values tsv;
             image/svg+xml svg; }}
    add_header Content-Security-Policy "{CSP}" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Vary Accept always;
    error_page 404 /404.html;
    location ~ ^/.+/$ {{
        # a thing whose IRI ends in / (the ontology, def/): 303 to its index document
        if (-f ${{request_filename}}index.html) {{ return 303 ${{uri}}index.$kgtool_doc; }}
        return 404;
    }}
    location / {{
        # a document as it is; a thing's IRI: 303 to its document
        try_files $uri $uri/index.html @thing;
    }}
    location @thing {{
        if (-f $request_filename.html) {{ return 303 $uri.$kgtool_doc; }}
        return 404;
    }}
}}
"""
    return {"htaccess.example": htaccess, "nginx.conf.example": nginx}


def _check_target(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise InputError("exists and is not a folder", source=str(dest))
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise PolicyError("the folder exists and is not a kgtool site (no .kgtool-site marker); "
                          "refusing to replace it", source=str(dest))


def publish(dest: str | os.PathLike[str], *, data: list[str], ontology: Path | None,
            base: str = urls.DEFAULT_BASE, exclusions: Path | None = None,
            dataset: Path | None = None, row_cap: int = 10000) -> PublishSummary:
    """Write the static site to `dest` atomically. Raises KgtoolError."""
    dest = Path(dest)
    _check_target(dest)
    site = open_site(data, None, ontology=ontology, base=base, exclusions=exclusions)
    data_store = site.stores[0]
    onto = site.stores[1] if len(site.stores) > 1 else None
    renderer = Renderer(site, ontology=onto, static=True, row_cap=row_cap,
                        runner=_runner(data_store, site.lang, False, row_cap))
    files: dict[str, bytes] = {}

    def put(path: str, body: bytes) -> None:
        files[path] = body

    put("index.html", renderer.home().body)
    put("static/site.css", renderer.css().body)
    put("classes.html", renderer.classes().body)
    for cls, _ in site.class_counts():
        put(urls.class_page(cls.value), renderer.class_index(cls.value).body)
    put("search.html", renderer.search("").body)
    put("ontology.html", renderer.ontology_page().body)
    put("404.html", renderer.not_found("").body)
    put("query.html", renderer.query_page("", None).body)
    for nq in querypage.named():
        text, name = nq["text"], nq["name"]
        downloads = {}
        for fmt in querypage.SELECT_FORMATS + querypage.GRAPH_FORMATS:
            resp = renderer.runner(text, fmt)   # type: ignore[misc]  # set: runner= is given above
            if resp.get("status") == 200:
                path = f"query/{name}.{RESULT_EXT[fmt]}"
                put(path, resp["body"])
                downloads[fmt] = urls.rel(f"query/{name}.html", path)
        put(f"query/{name}.html", renderer.query_page(text, name, f"query/{name}.html",
                                                      downloads).body)
    things = _things(site)
    for iri in things:
        rest = iri[len(base):]
        put(urls.doc_path(rest, "html"), renderer.entity_or_source(
            iri, urls.doc_path(rest, "html")).body)
        for ext in ("ttl", "jsonld", "nt"):
            put(urls.doc_path(rest, ext), renderer.document(iri, ext).body)
    # dumps: the served data as sorted N-Triples and Turtle, the ontology, the DCAT record
    for fmt, name in (("nt", "dumps/graph.nt"), ("turtle", "dumps/graph.ttl")):
        out = io.StringIO()
        triples = {ox.Triple(site.stable(q.subject), q.predicate, site.stable(q.object))
                   for q in data_store.quads_for_pattern(None, None, None, None)}
        output.write_graph(out, fmt, triples, site.lang, output.Prefixes())
        put(name, out.getvalue().encode("utf-8"))
    if ontology is not None and ontology.is_file():
        put("dumps/ontology.ttl", ontology.read_bytes())
    if dataset is not None and dataset.is_file():
        put("dumps/dataset.ttl", dataset.read_bytes())
    for name, text in redirect_config(base).items():
        put(name, text.encode("utf-8"))
    put(MARKER, f"kgtool static site for {base}\n".encode("utf-8"))
    _check_collisions(files)
    total = _write_atomically(dest, files)
    return PublishSummary(dest, len(files), len(things), total)


def _check_collisions(files: dict[str, bytes]) -> None:
    """A file path that is also a folder of another path cannot be written."""
    folders = {str(Path(p).parent) for p in files}
    clash = sorted(p for p in files if p in folders)
    if clash:
        raise InputError(f"two pages would share the path {clash[0]!r}", source="publish")


def _write_atomically(dest: Path, files: dict[str, bytes]) -> int:
    dest_parent = dest.resolve().parent
    dest_parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest_parent))
    total = 0
    try:
        for path in sorted(files):
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[path])
            total += len(files[path])
        os.chmod(tmp, 0o755)
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest_parent))
            os.rmdir(old)
            os.rename(dest, old)
        os.rename(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return total


def site_url(path: str) -> str:
    """Percent-encoded URL path of a site file (for messages and tests)."""
    return "/" + quote(path, safe="/")
