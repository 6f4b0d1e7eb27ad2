"""Streaming a pyoxigraph store out as N-Triples, N-Quads, Turtle or TriG at the engine's speed.

Why: `kgtool export --store` and `kgtool dump` must keep up with the engine's own serializer
(issue 12.2: at most 1.3x for N-Triples/N-Quads, 2x for Turtle, memory bounded by the engine's).
So the engine writes N-Triples, graph by graph, into a `LineSink`, and Python touches only whole
chunks of complete lines with C-speed byte operations:

- language-tag case is restored (the store lower-cases tags; `kgtool load` kept the spelling the
  files used): a tag is always right after the *last* quote of a line, so one regex anchored on
  that is exact even when a literal contains `"@zh-hans `;
- lines with blank nodes are set aside and written last with canonical labels
  (`canonical_labels`: a content hash of each blank node's neighbourhood), because the engine's
  labels are random per load: the same content then gives the same bytes however it was loaded;
- for Turtle and TriG, `TurtleLines` groups consecutive lines of a subject (`;` and `,`) and
  compacts IRIs with the project's prefixes.

Order: the engine's index order, which depends only on the content (its term encoding is a
fixed hash), so it is stable for the same content. `tests/test_export.py` proves it by loading
the same triples in different orders into different stores.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Emit = Callable[[bytes], Any]
_ASCII_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def tag_restorer(tags: Mapping[str, str]) -> Callable[[bytes], bytes]:
    """A function that rewrites `"@zh-hans` to the spelling in `tags` (lower -> as written) in
    a chunk of N-Triples/N-Quads lines; the identity when no tag needs it."""
    wanted = {k.encode("ascii"): v.encode("ascii") for k, v in tags.items() if k != v}
    if not wanted:
        return lambda data: data
    alternation = b"|".join(re.escape(k) for k in sorted(wanted, key=len, reverse=True))
    # The tag of a line's literal follows its last quote: nothing but IRIs after it.
    pattern = re.compile(b'"@(' + alternation + b')(?=[ ][^"\\n]*\\n)')
    return lambda data: pattern.sub(lambda m: b'"@' + wanted[m.group(1)], data)


def split_triple(line: str) -> tuple[str, str, str]:
    """(subject, predicate, object) of one N-Triples line (without the newline)."""
    s, rest = line.split(" ", 1)
    p, o = rest.split(" ", 1)
    return s, p, o[:-2] if o.endswith(" .") else o


def canonical_labels(triples: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Stable labels for the blank nodes in `triples` (N-Triples terms): each node's colour is
    refined from the sorted terms around it (1-dimensional Weisfeiler-Leman) until the partition
    stops splitting, then hashed. Nodes that stay indistinguishable are interchangeable in the
    tree-shaped structures RDF tools write (lists, SHACL property shapes, OWL restrictions), so
    any order among them gives the same output."""
    ts = list(triples)
    nodes = sorted({t for s, _, o in ts for t in (s, o) if t.startswith("_:")})
    colour = {b: "" for b in nodes}
    classes = 1 if nodes else 0
    for _ in range(64):
        sig: dict[str, list[str]] = {b: [] for b in nodes}
        for s, p, o in ts:
            if s in sig:
                sig[s].append("+" + p + " " + (colour[o] if o in colour else o))
            if o in sig:
                sig[o].append("-" + p + " " + (colour[s] if s in colour else s))
        new = {b: hashlib.sha256((colour[b] + "\n" + "\n".join(sorted(sig[b])))
                                 .encode("utf-8")).hexdigest() for b in nodes}
        n = len(set(new.values()))
        colour = new
        if n == classes:
            break
        classes = n
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for b in sorted(nodes, key=lambda b: colour[b]):
        base = "_:b" + colour[b][:24]
        k = seen.get(base, 0)
        seen[base] = k + 1
        labels[b] = base if k == 0 else f"{base}x{k}"
    return labels


def relabel(lines: Iterable[str]) -> list[str]:
    """Lines (N-Triples, no newline) with canonical blank-node labels, sorted and distinct."""
    ts = [split_triple(line) for line in lines]
    labels = canonical_labels(ts)
    out = {f"{labels.get(s, s)} {p} {labels.get(o, o)} ." for s, p, o in ts}
    return sorted(out)


class LineSink:
    """A binary file-like object for `Store.dump(..., format=N_TRIPLES)`: cuts the stream into
    complete lines, restores tag case, keeps lines with blank nodes aside (`aside`), and passes
    the rest on to `emit`."""

    def __init__(self, emit: Emit, restore: Callable[[bytes], bytes]) -> None:
        self.emit, self.restore = emit, restore
        self.tail = b""
        self.aside: list[str] = []

    def write(self, chunk: bytes) -> int:
        data = self.tail + bytes(chunk)
        cut = data.rfind(b"\n") + 1
        self.tail = data[cut:]
        if cut:
            self._lines(data[:cut])
        return len(chunk)

    def _lines(self, data: bytes) -> None:
        data = self.restore(data)
        if b"_:" in data:
            keep = []
            for line in data.split(b"\n")[:-1]:
                s, _, rest = line.partition(b" ")
                if s.startswith(b"_:") or _object_is_blank(rest):
                    self.aside.append(line.decode("utf-8"))
                else:
                    keep.append(line)
            data = b"\n".join(keep) + b"\n" if keep else b""
        if data:
            self.emit(data)

    def flush(self) -> None:
        if self.tail:
            self._lines(self.tail + b"\n")
            self.tail = b""


def _object_is_blank(rest: bytes) -> bool:
    """After the subject: is the object (after the predicate IRI) a blank node?"""
    _, _, obj = rest.partition(b" ")
    return obj.startswith(b"_:")


def dump_graph(store: Any, graph: Any, emit: Emit, restore: Callable[[bytes], bytes],
               skip: list[Any] | None = None) -> list[str]:
    """Write the triples of one graph of `store` as N-Triples lines to `emit` (engine order);
    return the blank-node lines set aside (raw labels). With `skip` (earlier graphs), triples
    also in one of those are left out, so a merge of several graphs has each triple once (the
    engine does the check, in its own indexes)."""
    import pyoxigraph as ox  # noqa: PLC0415

    sink = LineSink(emit, restore)
    if not skip:
        store.dump(sink, ox.RdfFormat.N_TRIPLES, from_graph=graph)
    else:
        where = ("?s ?p ?o" if isinstance(graph, ox.DefaultGraph)
                 else f"GRAPH {_sparql_graph(graph)} {{ ?s ?p ?o }}")
        named = " ".join(_sparql_graph(g) for g in skip if not isinstance(g, ox.DefaultGraph))
        tests = []
        if named:
            tests.append(f"FILTER NOT EXISTS {{ VALUES ?h {{ {named} }} GRAPH ?h {{ ?s ?p ?o }} }}")
        if any(isinstance(g, ox.DefaultGraph) for g in skip):
            tests.append("FILTER NOT EXISTS { ?s ?p ?o }")
        result = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} {' '.join(tests)} }}")
        result.serialize(sink, ox.RdfFormat.N_TRIPLES)
    sink.flush()
    return sink.aside


def _sparql_graph(g: Any) -> str:
    return f"<{g.value}>"


class TurtleLines:
    """Turtle (or one TriG block's body) from N-Triples lines: consecutive lines with the same
    subject share it (`;`, and `,` for the same predicate); IRIs are written as prefixed names
    where the local part is plainly safe, `a` for rdf:type."""

    RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

    def __init__(self, out: Emit, prefixes: Mapping[str, str], indent: str = "") -> None:
        self.out, self.indent = out, indent
        self.ns = {ns: p for p, ns in prefixes.items()}
        self.cache: dict[str, str] = {}
        self.s: str | None = None
        self.p: str | None = None

    def header(self) -> bytes:
        return "".join(f"@prefix {p}: <{ns}> .\n" for ns, p in
                       sorted(self.ns.items(), key=lambda kv: kv[1])).encode("utf-8")

    def iri(self, term: str) -> str:
        got = self.cache.get(term)
        if got is not None:
            return got
        text = term
        if term.startswith("<"):
            iri = term[1:-1]
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            prefix = self.ns.get(iri[:cut])
            local = iri[cut:]
            if prefix is not None and (local == "" or _ASCII_LOCAL.fullmatch(local)):
                text = f"{prefix}:{local}"
        if len(self.cache) < 100_000:
            self.cache[term] = text
        return text

    def term(self, t: str) -> str:
        if t.startswith('"'):
            q = t.rfind('"')
            tail = t[q + 1:]
            if tail.startswith("^^"):
                return t[:q + 1] + "^^" + self.iri(tail[2:])
            return t
        return self.iri(t)

    def feed(self, data: bytes) -> None:
        parts: list[str] = []
        ind = self.indent
        for line in data.decode("utf-8").split("\n"):
            if not line:
                continue
            s, p, o = split_triple(line)
            o = self.term(o)
            if s == self.s:
                if p == self.p:
                    parts.append(" ,\n" + ind + "\t\t" + o)
                else:
                    parts.append(" ;\n" + ind + "\t" + ("a" if p == self.RDF_TYPE else self.iri(p))
                                 + " " + o)
            else:
                if self.s is not None:
                    parts.append(" .\n")
                parts.append(ind + self.iri(s) + " " + ("a" if p == self.RDF_TYPE else self.iri(p))
                             + " " + o)
            self.s, self.p = s, p
        if parts:
            self.out("".join(parts).encode("utf-8"))

    def close(self) -> None:
        if self.s is not None:
            self.out(b" .\n")
        self.s = self.p = None


__all__ = ["tag_restorer", "canonical_labels", "relabel", "LineSink", "dump_graph",
           "TurtleLines", "split_triple"]
