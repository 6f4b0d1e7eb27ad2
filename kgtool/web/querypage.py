"""The query page: a plain HTML form (no script), the named queries as examples, the answer as
a table, downloads in every results format.

The query takes the endpoint's own path: `kgtool.query.prepare` applies the read-only policy
(updates, LOAD, SERVICE and FROM refused) and then the Renderer's runner executes it -- in
`kgtool serve` that is the worker pool with the server's timeout and row cap
(`kgtool.web.server`), in `kgtool publish` it is `kgtool.serve.execute` on the in-process store,
the very function the workers run.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from kgtool import query as q
from kgtool.errors import KgtoolError, PolicyError
from kgtool.web import urls, views

SELECT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")
ASK_FORMATS = ("json", "xml")
FORMAT_NAMES = {"json": "SPARQL JSON", "xml": "SPARQL XML", "csv": "CSV", "tsv": "TSV",
                "turtle": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF/XML"}


def named() -> list[dict[str, str]]:
    return [{"name": nq.name, "title": nq.title, "description": nq.description,
             "text": nq.path.read_text(encoding="utf-8")} for nq in q.named_queries()]


def run(renderer: Any, text: str) -> dict[str, Any]:
    """Policy check, then the runner; the answer as a table (or an error)."""
    blank: dict[str, Any] = {"error": None, "boolean": None, "form": None, "head": [], "rows": [],
             "truncated": False, "n": 0, "formats": (), "downloads": []}
    return {**blank, **_run(renderer, text)}


def _run(renderer: Any, text: str) -> dict[str, Any]:
    try:
        info = q.prepare(q.QueryText(text, "<query>"), allow_from=renderer.allow_from)
    except PolicyError as exc:
        return {"status": 403, "error": str(exc)}
    except KgtoolError as exc:
        return {"status": 400, "error": str(exc)}
    graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
    if renderer.runner is None:
        return {"status": 503, "error": "no query engine behind these pages"}
    resp = renderer.runner(text, "nt" if graph_form else "json")
    if resp["status"] != 200:
        return {"status": resp["status"], "error": resp.get("message", "query failed")}
    site = renderer.site
    if graph_form:
        head = ["subject", "predicate", "object"]
        rows = [[t.subject, t.predicate, t.object]
                for t in ox.parse(resp["body"], format=ox.RdfFormat.N_TRIPLES)]
    else:
        doc = json.loads(resp["body"])
        if "boolean" in doc:
            return {"status": 200, "boolean": doc["boolean"], "form": info.form, "head": [],
                    "rows": [], "truncated": False, "n": 0, "formats": ASK_FORMATS}
        head = doc["head"]["vars"]
        rows = [[_from_json(b.get(v)) for v in head] for b in doc["results"]["bindings"]]
    return {"status": 200, "form": info.form, "head": head, "truncated": resp["truncated"],
            "n": resp["n"], "boolean": None,
            "rows": [[views.term(site, "query.html", t) if t is not None else None for t in r]
                     for r in rows], "formats": GRAPH_FORMATS if graph_form else SELECT_FORMATS}


def _from_json(b: dict[str, str] | None) -> Any:
    if b is None:
        return None
    if b["type"] == "uri":
        return ox.NamedNode(b["value"])
    if b["type"] == "bnode":
        return ox.BlankNode(b["value"])
    if "xml:lang" in b:
        return ox.Literal(b["value"], language=b["xml:lang"])
    if "datatype" in b:
        return ox.Literal(b["value"], datatype=ox.NamedNode(b["datatype"]))
    return ox.Literal(b["value"])


def context(renderer: Any, text: str, name: str | None, page: str,
            downloads: dict[str, str] | None) -> dict[str, Any]:
    examples = named()
    chosen = next((e for e in examples if e["name"] == name), None)
    if chosen is not None and not text:
        text = chosen["text"]
    root = "../" * urls.depth(page)
    for e in examples:
        e["href"] = (urls.rel(page, f"query/{e['name']}.html") if renderer.static
                     else root + "query?" + urlencode({"name": e["name"]}))
    result = None
    status = 200
    if text.strip():
        result = run(renderer, text)
        status = result["status"]
        if result["status"] == 200 and result.get("formats"):
            if downloads is not None:
                result["downloads"] = [{"name": FORMAT_NAMES[f], "href": downloads[f]}
                                       for f in result["formats"] if f in downloads]
            else:
                result["downloads"] = [
                    {"name": FORMAT_NAMES[f],
                     "href": root + "sparql?" + urlencode({"query": text, "format": f})}
                    for f in result["formats"]]
    return {"status": status, "text": text, "examples": examples, "chosen": chosen,
            "result": result, "row_cap": renderer.row_cap}


LABEL_SEARCH = """SELECT ?s ?l WHERE {
  VALUES ?p { skos:prefLabel rdfs:label foaf:name dct:title eli:title skos:altLabel }
  ?s ?p ?l FILTER(isIRI(?s) && isLiteral(?l) && CONTAINS(LCASE(STR(?l)), LCASE(%s)))
} ORDER BY ?l ?s LIMIT %d"""


def label_search(renderer: Any, needle: str, page: str, limit: int = 2000) -> dict[str, Any] | None:
    """Labels containing `needle` (case-insensitive) by a SPARQL query on the worker pool;
    None when the pool cannot answer (the caller falls back to the in-process index)."""
    literal = json.dumps(needle, ensure_ascii=False)   # a valid SPARQL string literal
    resp = renderer.runner(LABEL_SEARCH % (literal, limit + 1), "json")
    if resp.get("status") != 200:
        return None
    site = renderer.site
    rows = []
    for b in json.loads(resp["body"])["results"]["bindings"]:
        lab = _from_json(b["l"])
        tag = site.lang(lab.language) if lab.language else ""
        iri = b["s"]["value"]
        rows.append({"text": lab.value, "lang": tag, "iri": iri, "href": site.doc_href(page, iri)})
    unique = {(r["text"], r["lang"], r["iri"]): r for r in rows}
    out = [unique[k] for k in sorted(unique)]
    return {"q": needle, "rows": out[:limit], "truncated": len(out) > limit, "n": len(out)}
