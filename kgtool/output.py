"""Writers for query results: SPARQL result sets and RDF graphs, in the formats users expect.

Why our own writers instead of pyoxigraph's `serialize`: pyoxigraph lowercases language tags
(`@zh-Hans` comes back as `@zh-hans`), so every writer here takes a `LangCase` that restores the
tags as the data wrote them; the table view needs CJK-aware widths and prefixed names; and the
W3C CSV/TSV formats have precise rules (CSV: lexical forms, CRLF, RFC 4180 quoting; TSV: `?var`
header, terms in Turtle syntax, LF) that are easy to check when written out in one place.

Writers stream row by row where the format allows it (csv, tsv, json, jsonl, xml); the table
and the RDF writers need all rows first (widths; sorting for stable, diff-friendly output).
Works on pyoxigraph terms only; importing this module loads no RDF library.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from kgtool.namespaces import ID, PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = XSD + "string"

# What this module writes itself, by kgtool.formats name: every results format; of the RDF
# formats, the ones that keep the project's prefixes and the data's tag case (the others go
# through pyoxigraph's serializer, kgtool.api.Triples).
SELECT_FORMATS = ("table", "csv", "tsv", "json", "jsonl", "xml")
GRAPH_FORMATS = ("turtle", "nt", "jsonld")


def _json() -> Any:
    import json  # noqa: PLC0415 - only the JSON formats need it (start-up time matters)

    return json


# --------------------------------------------------------------------------- language tags

class LangCase:
    """Restore the case of language tags that the engine lowercased.

    First the tags seen in the source data, as written (`zh-Hans`); then the BCP 47 case
    conventions of RFC 5646 section 2.1.1 (language lower, script title, region upper), which
    give the same answer for every well-formed tag written the recommended way."""

    DEFAULTS = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}

    def __init__(self, seen: Iterable[str] = ()) -> None:
        self.table: dict[str, str] = {}          # lowercase -> as written in the sources
        for tag in seen:
            self.table.setdefault(tag.lower(), tag)

    def add_from_text(self, text: str) -> None:
        """Record the tags written with capitals in RDF or SPARQL text (first spelling wins).

        Turtle-family `"x"@tag` is searched by its literal `@` (fast); the RDF/XML and JSON-LD
        spellings only when the text contains them."""
        found = [m.group(1) for m in _LANGTAG_AT.finditer(text)]
        if "xml:lang" in text or '"@language"' in text:
            found += [m.group(1) for m in _LANGTAG_IN_TEXT.finditer(text)]
        for tag in found:
            if tag != tag.lower():
                self.table.setdefault(tag.lower(), tag)

    def merge(self, other: "LangCase") -> None:
        """Take `other`'s spellings over ours (data files are the source of truth)."""
        self.table.update(other.table)

    def __call__(self, tag: str) -> str:
        low = tag.lower()
        known = self.table.get(low) or self.DEFAULTS.get(low)
        if known is not None:
            return known
        parts = tag.split("-")
        out = [parts[0].lower()]
        private = len(parts[0]) == 1
        for p in parts[1:]:
            if private or len(p) == 1:
                private = True
                out.append(p.lower())
            elif len(p) == 2 and p.isalpha():
                out.append(p.upper())
            elif len(p) == 4 and p.isalpha():
                out.append(p.title())
            else:
                out.append(p.lower())
        return "-".join(out)


# Turtle/TriG/N-Triples `"x"@tag`, RDF/XML `xml:lang="tag"`, JSON-LD `"@language": "tag"`.
_LANGTAG_AT = re.compile(r"@([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})+)")
_LANGTAG_IN_TEXT = re.compile(r'(?:["\']@|xml:lang=["\']|"@language"\s*:\s*")'
                              r'([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})+)')

# ------------------------------------------------------------------------ term rendering

_NT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
               "\f": "\\f"}
_NT_ESCAPE_RE = re.compile(r'["\\\n\r\t\b\f]')
_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL_RE = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")
_DOUBLE_RE = re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+$")
# PN_CHARS_BASE beyond ASCII (Turtle grammar), as sorted ranges: checked in Python because a
# regex class with these ranges costs tens of milliseconds to compile at every start-up.
_BASE_RANGES = ((0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2FF), (0x370, 0x37D), (0x37F, 0x1FFF),
                (0x200C, 0x200D), (0x2070, 0x218F), (0x2C00, 0x2FEF), (0x3001, 0xD7FF),
                (0xF900, 0xFDCF), (0xFDF0, 0xFFFD), (0x10000, 0xEFFFF))
_EXTRA_RANGES = ((0xB7, 0xB7), (0x300, 0x36F), (0x203F, 0x2040))   # PN_CHARS only


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _pn_char(c: str, *, start: bool = False, dot: bool = False) -> bool:
    """Is `c` allowed in a Turtle PN_LOCAL (first position when `start`; `.` inside when `dot`)?"""
    if c.isascii():
        return c.isalnum() or c in "_:" or (not start and (c == "-" or (dot and c == ".")))
    cp = ord(c)
    return _in(cp, _BASE_RANGES) or (not start and _in(cp, _EXTRA_RANGES))


def safe_local(local: str) -> bool:
    """A local name that can be written after `prefix:` in Turtle without escapes."""
    if not local:
        return True
    if not _pn_char(local[0], start=True) or not _pn_char(local[-1]):
        return False
    return all(_pn_char(c, dot=True) for c in local[1:-1])


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_quoteattr(s: str) -> str:
    return '"' + _xml_escape(s).replace('"', "&quot;").replace("\n", "&#10;") + '"'


def _kind(term: Any) -> str:
    name = type(term).__name__
    return {"NamedNode": "uri", "BlankNode": "bnode", "Literal": "literal",
            "Triple": "triple"}.get(name, "literal")


def quote_string(s: str) -> str:
    return '"' + _NT_ESCAPE_RE.sub(lambda m: _NT_ESCAPES[m.group(0)], s) + '"'


def iri_nt(iri: str) -> str:
    return f"<{iri}>"


def term_nt(term: Any, lang: LangCase) -> str:
    """The N-Triples form of a term, language tag case restored."""
    k = _kind(term)
    if k == "uri":
        return iri_nt(term.value)
    if k == "bnode":
        return f"_:{term.value}"
    if k == "triple":
        return (f"<< {term_nt(term.subject, lang)} {term_nt(term.predicate, lang)} "
                f"{term_nt(term.object, lang)} >>")
    s = quote_string(term.value)
    if term.language:
        return f"{s}@{lang(term.language)}"
    dt = term.datatype.value
    if dt == XSD_STRING:
        return s
    return f"{s}^^<{dt}>"


class Prefixes:
    """A prefix table for compact names: longest namespace wins; only safe local names."""

    def __init__(self, extra: dict[str, str] | None = None, *, defaults: bool = True) -> None:
        table = dict(PREFIXES) if defaults else {}
        if extra:
            table.update(extra)
        self.table = table
        self._by_len = sorted(((ns, p) for p, ns in table.items() if ns), key=lambda x: -len(x[0]))
        self.used: set[str] = set()

    def compact(self, iri: str, strict: bool = True) -> str | None:
        for ns, p in self._by_len:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if (safe_local(local) if strict else (local and not any(c.isspace() for c in local))):
                    self.used.add(p)
                    return f"{p}:{local}"
        return None


def term_turtle(term: Any, lang: LangCase, prefixes: Prefixes, strict: bool = True) -> str:
    """The Turtle form of a term: prefixed names and numeric/boolean shorthands where valid."""
    k = _kind(term)
    if k == "uri":
        return prefixes.compact(term.value, strict) or iri_nt(term.value)
    if k != "literal":
        return term_nt(term, lang)
    if term.language:
        return f"{quote_string(term.value)}@{lang(term.language)}"
    dt = term.datatype.value
    v = term.value
    if dt == XSD_STRING:
        return quote_string(v)
    if (dt == XSD + "integer" and _INTEGER_RE.match(v)) or \
            (dt == XSD + "decimal" and _DECIMAL_RE.match(v)) or \
            (dt == XSD + "double" and _DOUBLE_RE.match(v)) or \
            (dt == XSD + "boolean" and v in ("true", "false")):
        return v
    return f"{quote_string(v)}^^{prefixes.compact(dt) or iri_nt(dt)}"


def term_json(term: Any, lang: LangCase) -> dict[str, Any]:
    """A term in SPARQL 1.1 Query Results JSON."""
    k = _kind(term)
    if k == "uri":
        return {"type": "uri", "value": term.value}
    if k == "bnode":
        return {"type": "bnode", "value": term.value}
    if k == "triple":
        return {"type": "triple", "value": {"subject": term_json(term.subject, lang),
                                            "predicate": term_json(term.predicate, lang),
                                            "object": term_json(term.object, lang)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = lang(term.language)
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


# ------------------------------------------------------------------------ display width

def display_width(s: str) -> int:
    """Columns a string takes in a terminal: East Asian wide/fullwidth count 2, combining 0."""
    import unicodedata  # noqa: PLC0415 - tables only

    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _pad(s: str, width: int) -> str:
    return s + " " * (width - display_width(s))


# ------------------------------------------------------------------------ result sets

Row = Sequence[Any]  # one term (or None for unbound) per variable


def _csv_field(s: str) -> str:
    if any(c in s for c in '",\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    k = _kind(term)
    if k == "bnode":
        return f"_:{term.value}"
    if k == "triple":
        return term_nt(term, LangCase())
    return term.value


def write_select(out: TextIO, fmt: str, variables: list[str], rows: Iterable[Row],
                 lang: LangCase, prefixes: Prefixes) -> int:
    """Write a SELECT result in `fmt`; return the number of rows written."""
    n = 0
    if fmt == "csv":
        out.write(",".join(_csv_field(v) for v in variables) + "\r\n")
        for row in rows:
            out.write(",".join(_csv_field(_csv_value(t)) for t in row) + "\r\n")
            n += 1
    elif fmt == "tsv":
        out.write("\t".join("?" + v for v in variables) + "\n")
        bare = Prefixes(defaults=False)  # TSV: full IRIs, Turtle shorthands for numbers only
        for row in rows:
            out.write("\t".join("" if t is None else term_turtle(t, lang, bare) for t in row) + "\n")
            n += 1
    elif fmt == "json":
        out.write('{"head":{"vars":' + _json().dumps(variables, ensure_ascii=False)
                  + '},"results":{"bindings":[')
        for row in rows:
            b = {v: term_json(t, lang) for v, t in zip(variables, row) if t is not None}
            out.write(("," if n else "") + "\n" + _json().dumps(b, ensure_ascii=False))
            n += 1
        out.write("\n]}}\n")
    elif fmt == "jsonl":
        for row in rows:
            b = {v: term_json(t, lang) for v, t in zip(variables, row) if t is not None}
            out.write(_json().dumps(b, ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "xml":
        out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
                  "<head>\n")
        for v in variables:
            out.write(f"  <variable name={_xml_quoteattr(v)}/>\n")
        out.write("</head>\n<results>\n")
        for row in rows:
            out.write("  <result>\n")
            for v, t in zip(variables, row):
                if t is not None:
                    out.write(f"    <binding name={_xml_quoteattr(v)}>{_xml_term(t, lang)}</binding>\n")
            out.write("  </result>\n")
            n += 1
        out.write("</results>\n</sparql>\n")
    elif fmt == "table":
        cells = [[_table_cell(t, lang, prefixes) for t in row] for row in rows]
        n = len(cells)
        write_table(out, ["?" + v for v in variables], cells)
    else:
        raise ValueError(fmt)
    return n


def _table_cell(term: Any, lang: LangCase, prefixes: Prefixes) -> str:
    """A compact, human cell: prefixed names, and things under `…/id/` relative to it, as the
    built Turtle writes them under its `@base` (`<place/松江区>`)."""
    if term is None:
        return ""
    if _kind(term) == "uri" and term.value.startswith(ID) and prefixes.compact(term.value, False) is None:
        return f"<{term.value[len(ID):]}>"
    s = term_turtle(term, lang, prefixes, strict=False)
    return s.replace("\\n", "⏎").replace("\\r", "").replace("\\t", " ")


def write_table(out: TextIO, header: list[str], cells: list[list[str]]) -> None:
    """Aligned columns; CJK characters count double."""
    widths = [display_width(h) for h in header]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], display_width(c))
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+\n"
    out.write(line)
    out.write("| " + " | ".join(_pad(h, w) for h, w in zip(header, widths)) + " |\n")
    out.write(line.replace("-", "="))
    for row in cells:
        out.write("| " + " | ".join(_pad(c, w) for c, w in zip(row, widths)) + " |\n")
    out.write(line)


def _xml_term(term: Any, lang: LangCase) -> str:
    k = _kind(term)
    if k == "uri":
        return f"<uri>{_xml_escape(term.value)}</uri>"
    if k == "bnode":
        return f"<bnode>{_xml_escape(term.value)}</bnode>"
    if k == "triple":
        return ("<triple><subject>" + _xml_term(term.subject, lang) + "</subject><predicate>"
                + _xml_term(term.predicate, lang) + "</predicate><object>"
                + _xml_term(term.object, lang) + "</object></triple>")
    if term.language:
        return f"<literal xml:lang={_xml_quoteattr(lang(term.language))}>{_xml_escape(term.value)}</literal>"
    dt = term.datatype.value
    if dt == XSD_STRING:
        return f"<literal>{_xml_escape(term.value)}</literal>"
    return f"<literal datatype={_xml_quoteattr(dt)}>{_xml_escape(term.value)}</literal>"


def write_ask(out: TextIO, fmt: str, value: bool) -> None:
    """ASK results. CSV/TSV do not define ASK; like Jena we write one `_askResult` column."""
    word = "true" if value else "false"
    if fmt in ("table", "jsonl"):
        out.write((_json().dumps({"boolean": value}) if fmt == "jsonl" else word) + "\n")
    elif fmt == "csv":
        out.write(f"_askResult\r\n{word}\r\n")
    elif fmt == "tsv":
        out.write(f"?_askResult\n{word}\n")
    elif fmt == "json":
        out.write(_json().dumps({"head": {}, "boolean": value}) + "\n")
    elif fmt == "xml":
        out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
                  f"<head/>\n<boolean>{word}</boolean>\n</sparql>\n")
    else:
        raise ValueError(fmt)


# ------------------------------------------------------------------------ graphs

def _sort_key(term: Any) -> tuple[int, str]:
    k = _kind(term)
    return ({"uri": 0, "bnode": 1, "triple": 2, "literal": 3}[k], term_nt(term, LangCase()))


def write_graph(out: TextIO, fmt: str, triples: Iterable[Any], lang: LangCase,
                prefixes: Prefixes) -> int:
    """Write triples as sorted N-Triples, grouped Turtle or JSON-LD; return the triple count."""
    ts = sorted(triples, key=lambda t: (_sort_key(t.subject), _sort_key(t.predicate),
                                        _sort_key(t.object)))
    if fmt == "nt":
        for t in ts:
            out.write(f"{term_nt(t.subject, lang)} {term_nt(t.predicate, lang)} "
                      f"{term_nt(t.object, lang)} .\n")
    elif fmt == "turtle":
        out.write(_turtle(ts, lang, prefixes))
    elif fmt == "jsonld":
        out.write(_json().dumps(_jsonld(ts, lang, prefixes), ensure_ascii=False, indent=1) + "\n")
    else:
        raise ValueError(fmt)
    return len(ts)


def _turtle(ts: list[Any], lang: LangCase, prefixes: Prefixes) -> str:
    body: list[str] = []
    i = 0
    while i < len(ts):
        subj = ts[i].subject
        j = i
        preds: list[str] = []
        while j < len(ts) and ts[j].subject == subj:
            p = ts[j].predicate
            objs = []
            while j < len(ts) and ts[j].subject == subj and ts[j].predicate == p:
                objs.append(term_turtle(ts[j].object, lang, prefixes))
                j += 1
            pname = "a" if p.value == RDF_TYPE else term_turtle(p, lang, prefixes)
            preds.append(f"    {pname} " + " ,\n        ".join(objs))
        body.append(term_turtle(subj, lang, prefixes) + "\n" + " ;\n".join(preds) + " .\n")
        i = j
    head = "".join(f"@prefix {p}: <{prefixes.table[p]}> .\n" for p in sorted(prefixes.used))
    return head + ("\n" if head and body else "") + "\n".join(body)


def _jsonld(ts: list[Any], lang: LangCase, prefixes: Prefixes) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}

    def ref(term: Any) -> str:
        if _kind(term) == "bnode":
            return f"_:{term.value}"
        return prefixes.compact(term.value) or term.value

    for t in ts:
        node = nodes.setdefault(ref(t.subject), {"@id": ref(t.subject)})
        o = t.object
        if t.predicate.value == RDF_TYPE and _kind(o) == "uri":
            node.setdefault("@type", []).append(ref(o))
            continue
        key = ref(t.predicate)
        k = _kind(o)
        if k in ("uri", "bnode"):
            val: dict[str, Any] = {"@id": ref(o)}
        elif k == "literal":
            val = {"@value": o.value}
            if o.language:
                val["@language"] = lang(o.language)
            elif o.datatype.value != XSD_STRING:
                val["@type"] = ref(o.datatype)
        else:
            val = {"@value": term_nt(o, lang)}
        node.setdefault(key, []).append(val)
    context = {p: prefixes.table[p] for p in sorted(prefixes.used)}
    return {"@context": context, "@graph": list(nodes.values())}


def limited(it: Iterable[Any], limit: int | None) -> tuple[Iterator[Any], list[bool]]:
    """Yield at most `limit` items; the returned flag list gets True if more were available."""
    flag = [False]

    def gen() -> Iterator[Any]:
        if limit is None:
            yield from it
            return
        for k, x in enumerate(it):
            if k >= limit:
                flag[0] = True
                return
            yield x

    return gen(), flag
