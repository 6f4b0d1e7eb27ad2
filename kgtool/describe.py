"""`kgtool describe TERM`: the fact sheet an analyst reads about one thing.

TERM is an IRI (`<…>` or bare `https://…`), a prefixed name (`kg:District`), a thing key
(`place/松江区`, resolved under `…/id/`) or a zh/en label (`松江区`, `Songjiang District`).
Labels are matched exactly first (case-insensitively), then by containment; more than one
candidate is an `AmbiguousTerm` (exit 2) that lists them, nothing found is exit 3.

The sheet groups what the graph says: labels and types, outgoing properties (IRI values shown
with their label), incoming links, and the provenance — each source span with its code-point
offsets and quote. Runs on pyoxigraph like `query` (terms bound with `substitutions`, never
spliced into query text); rdflib is not imported.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

import pyoxigraph as ox

from kgtool import formats, output
from kgtool.errors import InputError, UsageError
from kgtool.namespaces import ID, ID_TYPES, PREFIXES

LABEL_PROPS = ("skos:prefLabel", "rdfs:label", "foaf:name", "skos:altLabel", "eli:title",
               "dct:title")
_LABEL_PATH = "|".join(LABEL_PROPS)


class AmbiguousTerm(UsageError):
    """A label names more than one thing; the message lists the candidates."""


@dataclass
class Sheet:
    iri: str
    labels: list[Any] = field(default_factory=list)
    types: list[Any] = field(default_factory=list)
    outgoing: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)
    incoming: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, exact, clean
    triples: list[Any] = field(default_factory=list)


def _q(store: Any, text: str, **bind: Any) -> list[Any]:
    subs = {ox.Variable(k): v for k, v in bind.items()}
    return list(store.query(text, prefixes=PREFIXES, substitutions=subs or None))


def label_of(store: Any, node: Any, lang: output.LangCase) -> str:
    """The best display label: zh-Hans, then en, then any; empty when none."""
    if not isinstance(node, ox.NamedNode):
        return ""
    rows = _q(store, f"SELECT ?node ?l WHERE {{ ?node {_LABEL_PATH} ?l }}", node=node)
    labels = [r["l"] for r in rows]
    for want in ("zh-hans", "en", ""):
        for lab in labels:
            if (lab.language or "") == want or want == "":
                return lab.value
    return ""


def resolve(store: Any, term: str) -> str:
    """The IRI TERM names. AmbiguousTerm (exit 2) lists candidates; InputError when unknown.

    Every form kgtool prints is accepted back: `<https://…>`, a bare `https://…` (CSV), a
    relative `<place/松江区>` (tables, Turtle under @base) or `place/松江区`, `prefix:local`."""
    t = term.strip()
    if not t:
        raise UsageError("TERM is empty: give an IRI, a prefixed name, a key or a label",
                         source="describe")
    if t.startswith("<") and t.endswith(">"):
        t = t[1:-1].strip()
        if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", t):
            return ID + t.lstrip("/")   # relative, as tables and Turtle under @base print it
        return t
    if re.match(r"(https?|urn|file):", t):
        return t
    head, sep, local = t.partition(":")
    if sep and head in PREFIXES and " " not in t:
        return PREFIXES[head] + local
    if sep and " " not in t and re.match(r"[a-z][a-z0-9]*$", head):
        from kgtool.link.links import CURIES  # noqa: PLC0415 - graph/links.sssom.tsv's CURIEs

        if head in CURIES:
            return CURIES[head] + local
    if re.match(r"[a-z][a-z0-9-]*/\S+$", t) and ox.NamedNode(ID + t) in _subjects(store, ID + t):
        return ID + t
    rows = _q(store, f"""SELECT DISTINCT ?s ?l ?needle WHERE {{ ?s {_LABEL_PATH} ?l
                         FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?l)), LCASE(?needle))) }}""",
              needle=ox.Literal(t))
    exact = sorted({r["s"].value for r in rows if r["l"].value.lower() == t.lower()})
    loose = sorted({r["s"].value for r in rows})
    candidates = exact or loose
    # A label shared by one of our things and the reference records it links to (松江区 is also
    # NBS division 310117 and Wikidata Q662380): the graph's own thing is meant.
    own = [c for c in candidates if c.startswith(ID) and c[len(ID):].split("/", 1)[0] in ID_TYPES]
    if len(candidates) > 1 and len(own) == 1:
        return own[0]
    if not candidates:
        raise InputError(f"nothing in the graph has the IRI or label {t!r}", source="describe")
    if len(candidates) > 1:
        lang = output.LangCase()
        shown = "; ".join(f"<{c}> {label_of(store, ox.NamedNode(c), lang)}".rstrip()
                          for c in candidates[:5])
        more = f"; … and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        raise AmbiguousTerm(f"{t!r} names {len(candidates)} things; describe one by IRI: "
                            f"{shown}{more}", source="describe")
    return candidates[0]


def _subjects(store: Any, iri: str) -> set[Any]:
    """{the node} if the store says anything about it (as subject or object), else empty."""
    node = ox.NamedNode(iri)
    rows = _q(store, "SELECT ?node WHERE { { ?node ?p ?o } UNION { ?s ?p ?node } } LIMIT 1",
              node=node)
    return {node} if rows else set()


def sheet(store: Any, iri: str) -> Sheet:
    node = ox.NamedNode(iri)
    s = Sheet(iri)
    lang = output.LangCase()
    label_cache: dict[str, str] = {}

    def lab(n: Any) -> str:
        if not isinstance(n, ox.NamedNode):
            return ""
        if n.value not in label_cache:
            label_cache[n.value] = label_of(store, n, lang)
        return label_cache[n.value]

    out_rows = _q(store, "SELECT ?node ?p ?o WHERE { ?node ?p ?o }", node=node)
    in_rows = _q(store, "SELECT ?node ?s ?p WHERE { ?s ?p ?node }", node=node)
    if not out_rows and not in_rows:
        raise InputError(f"nothing in the graph is about <{iri}>", source="describe")
    outgoing: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    incoming: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    derived: list[Any] = []
    for r in out_rows:
        p, o = r["p"], r["o"]
        s.triples.append(ox.Triple(node, p, o))
        if p.value == PREFIXES["rdf"] + "type":
            s.types.append(o)
        elif p.value == PREFIXES["prov"] + "wasDerivedFrom":
            derived.append(o)
        else:
            outgoing[p.value].append((o, lab(o)))
        if p.value in (PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label",
                       PREFIXES["foaf"] + "name"):
            s.labels.append(o)
    for r in in_rows:
        s.triples.append(ox.Triple(r["s"], r["p"], node))
        incoming[r["p"].value].append((r["s"], lab(r["s"])))
    for d in derived:
        rows = _q(store, """SELECT ?span ?start ?end ?exact ?clean WHERE {
                    ?span oa:hasSelector ?ps , ?qs . ?ps oa:start ?start ; oa:end ?end .
                    ?qs oa:exact ?exact OPTIONAL { ?qs kg:cleanQuote ?clean } }""", span=d)
        if rows:
            r = rows[0]
            s.spans.append((int(r["start"].value), int(r["end"].value), r["exact"].value,
                            r["clean"].value if r["clean"] is not None else ""))
        else:
            outgoing[PREFIXES["prov"] + "wasDerivedFrom"].append((d, lab(d)))
    s.spans.sort()
    # Sorted, not in the store's order, so the same data always gives the same sheet.
    s.types.sort(key=_order)
    s.labels.sort(key=_order)
    s.outgoing = {p: sorted(v, key=lambda x: _order(x[0])) for p, v in sorted(outgoing.items())}
    s.incoming = {p: sorted(v, key=lambda x: _order(x[0])) for p, v in sorted(incoming.items())}
    return s


_LANG_RANK = {"zh-hans": 0, "zh": 1, "en": 2}


def _order(term: Any) -> tuple[int, int, str]:
    """IRIs, then blank nodes, then literals (zh-Hans first, then en, then the rest); then text."""
    if isinstance(term, ox.NamedNode):
        return (0, 0, term.value)
    if isinstance(term, ox.BlankNode):
        return (1, 0, term.value)
    lang = (getattr(term, "language", None) or "").lower()
    return (2, _LANG_RANK.get(lang, 3) if lang else 4, str(term))


def write_text(out: TextIO, sh: Sheet, lang: output.LangCase) -> None:
    """The human fact sheet."""
    px = output.Prefixes()

    def term(t: Any) -> str:
        return output.term_turtle(t, lang, px, strict=False).replace("\\n", " ")

    def with_label(t: Any, label: str) -> str:
        return f"{label}  {term(t)}" if label else term(t)

    zh = [lb.value for lb in sh.labels if (lb.language or "").lower() == "zh-hans"]
    en = [lb.value for lb in sh.labels if (lb.language or "").lower() == "en"]
    title = " · ".join(x for x in (zh[:1] + en[:1]) if x) or term(ox.NamedNode(sh.iri))
    out.write(f"{title}\n<{sh.iri}>\n")
    if sh.types:
        out.write("type: " + ", ".join(term(t) for t in sh.types) + "\n")
    if sh.outgoing:
        out.write("\nproperties\n")
        width = max(output.display_width(term(ox.NamedNode(p))) for p in sh.outgoing)
        for p, vals in sh.outgoing.items():
            name = term(ox.NamedNode(p))
            pad = " " * (width - output.display_width(name))
            first, *rest = [with_label(v, lb) for v, lb in vals]
            out.write(f"  {name}{pad}  {first}\n")
            for v in rest:
                out.write(f"  {' ' * width}  {v}\n")
    if sh.incoming:
        out.write("\nreferenced by\n")
        for p, subs in sh.incoming.items():
            out.write(f"  ← {term(ox.NamedNode(p))}\n")
            for subj, lb in sorted(subs, key=lambda x: x[0].value):
                out.write(f"      {with_label(subj, lb)}\n")
    if sh.spans:
        out.write("\nsources (code-point offsets into the seed, end exclusive)\n")
        for start, end, exact, clean in sh.spans:
            quote = exact.replace("\n", "⏎")
            out.write(f"  [{start}, {end})  “{quote}”\n")
            if clean and clean != exact:
                out.write(f"  {' ' * len(f'[{start}, {end})')}  clean: “{clean}”\n")


def to_json(sh: Sheet, lang: output.LangCase) -> dict[str, Any]:
    return {
        "iri": sh.iri,
        "labels": [output.term_json(x, lang) for x in sh.labels],
        "types": [t.value for t in sh.types],
        "properties": {p: [dict(output.term_json(v, lang), **({"label": lb} if lb else {}))
                           for v, lb in vals] for p, vals in sh.outgoing.items()},
        "referencedBy": {p: [dict(output.term_json(v, lang), **({"label": lb} if lb else {}))
                             for v, lb in subs] for p, subs in sh.incoming.items()},
        "sources": [{"start": a, "end": b, "exact": e, **({"clean": c} if c else {})}
                    for a, b, e, c in sh.spans],
    }


FORMATS = ("table", "json", "turtle", "nt", "jsonld")


def choose_format(fmt: str | None) -> str:
    """describe's output format, named as kgtool.formats names formats (aliases too): `table`,
    the fact sheet (also `text`; the default), `json`, the sheet as JSON, or an RDF format of
    its triples; UsageError for anything else.

    >>> [choose_format(f) for f in (None, "text", "ttl", "json-ld", "ntriples", "JSON")]
    ['table', 'table', 'turtle', 'jsonld', 'nt', 'json']
    """
    if fmt is None:
        return "table"
    for kind in (None, formats.RDF):  # a canonical name first (json: the sheet), then RDF's
        known = formats.lookup(fmt, kind=kind)
        if known is not None and known.name in FORMATS:
            return known.name
    raise UsageError(f"--format {fmt}: describe writes {', '.join(FORMATS[:-1])} or "
                     f"{FORMATS[-1]}", source="--format")


def write(out: TextIO, sh: Sheet, fmt: str | None, lang: output.LangCase) -> None:
    """The sheet in `fmt` (any name `choose_format` accepts)."""
    fmt = choose_format(fmt)
    if fmt == "table":
        write_text(out, sh, lang)
    elif fmt == "json":
        out.write(json.dumps(to_json(sh, lang), ensure_ascii=False, indent=1) + "\n")
    else:
        output.write_graph(out, fmt, sh.triples, lang, output.Prefixes())
