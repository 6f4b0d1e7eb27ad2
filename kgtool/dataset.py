"""The one dataset model every path shares (issue 8 point 3), in names only (standard library).

The built dataset (`graph/songjiang.trig`) is a set of named graphs:

* one per source document, `graph/source/{key}`: its facts, spans, document node and the periods
  and instants its facts reference;
* one per reference dataset, `graph/reference/{key}`: the reference records the links point to
  (codes, labels, parents), each record once;
* `graph/links`: the mapping triples, link nodes and VoID linksets written by `kgtool link`;
* `graph/ontology`: the ontology; `graph/description`: the DCAT/VoID description of the dataset;

and its default graph is their union with set semantics: a triple asserted by two sources (a
shared entity's label, a period both mention) counts once. Engines disagree on what "union" means
(pyoxigraph's `use_default_graph_as_union` and Virtuoso's default graph are bags: a triple in two
graphs matches twice), so the union is *materialised* as one more graph, `graph/union`, holding
every distinct triple once. Every path queries that graph as its default graph: `kgtool query
--data/--store`, `kgtool serve`, and, after `kgtool push` has sent it as an ordinary named graph,
any remote store (`kgtool query --endpoint` asks for it with `default-graph-uri`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

GRAPH_BASE = "https://w3id.org/kgtool/graph/"
UNION_GRAPH = GRAPH_BASE + "union"
LINKS_GRAPH = GRAPH_BASE + "links"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
DESCRIPTION_GRAPH = GRAPH_BASE + "description"


def source_graph(key: str) -> str:
    return f"{GRAPH_BASE}source/{key}"


def reference_graph(key: str) -> str:
    return f"{GRAPH_BASE}reference/{key}"


def materialize_union(store: Any) -> int:
    """Make `graph/union` of a pyoxigraph store the distinct union of everything else in it
    (default graph and every other named graph); return its size. Idempotent: the graph is
    rebuilt from scratch, so a replaced or removed graph leaves nothing behind."""
    import pyoxigraph as ox  # noqa: PLC0415

    union = ox.NamedNode(UNION_GRAPH)
    if store.contains_named_graph(union):
        store.clear_graph(union)
    # A graph is a set: adding each triple into one graph removes the duplicates.
    store.update(f"INSERT {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ "
                 f"{{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{UNION_GRAPH}>) }} }}")
    return sum(1 for _ in store.quads_for_pattern(None, None, None, union))


def union_into_default(store: Any) -> None:
    """An in-memory store's default graph made the distinct union of its named graphs (the
    query path: `kgtool query --data x.trig`, `kgtool serve --data`). The named graphs stay,
    for `GRAPH ?g` patterns."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


def has_union(store: Any) -> bool:
    import pyoxigraph as ox  # noqa: PLC0415

    return bool(store.contains_named_graph(ox.NamedNode(UNION_GRAPH)))


def query_kwargs(store: Any, default_graphs: Iterable[str] = (),
                 named_graphs: Iterable[str] = ()) -> dict[str, Any]:
    """The dataset arguments for `store.query`: the union graph as default graph (unless the
    caller names default graphs; naming `graph/union` itself is the same), the real graphs as
    the named graphs. A store without a union graph (files loaded before this model) falls back
    to the engine's own union."""
    import pyoxigraph as ox  # noqa: PLC0415

    defaults = [g for g in default_graphs]
    named = [ox.NamedNode(g) for g in named_graphs]
    kwargs: dict[str, Any] = {}
    if defaults and defaults != [UNION_GRAPH]:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in defaults]
    elif has_union(store):
        kwargs["default_graph"] = [ox.NamedNode(UNION_GRAPH)]
        if not named:
            named = [g for g in store.named_graphs() if g.value != UNION_GRAPH]
    else:
        kwargs["use_default_graph_as_union"] = True
    if named:
        kwargs["named_graphs"] = named
    return kwargs


__all__ = ["union_into_default", "GRAPH_BASE", "UNION_GRAPH", "LINKS_GRAPH", "ONTOLOGY_GRAPH", "DESCRIPTION_GRAPH",
           "source_graph", "reference_graph", "materialize_union", "has_union", "query_kwargs"]
