"""The review gate: facts still marked `kg:reviewStatus kg:Proposed` stay out of the curated graph.

`kgtool build` calls `refuse_proposed` on every facts file unless run with --include-proposed,
so a draft copied into graph/facts/ cannot slip into graph/songjiang.ttl unreviewed.
"""
from __future__ import annotations

from typing import Any

from kgtool import namespaces
from kgtool.errors import InputError

REVIEW_STATUS = namespaces.DEF + "reviewStatus"
PROPOSED = namespaces.DEF + "Proposed"


def proposed_nodes(graph: Any) -> list[str]:
    """The subjects of `graph` (an rdflib Graph) marked kg:reviewStatus kg:Proposed, sorted."""
    from rdflib import URIRef

    return sorted(str(s) for s in graph.subjects(URIRef(REVIEW_STATUS), URIRef(PROPOSED)))


def refuse_proposed(graph: Any, source: str) -> None:
    """InputError (exit 3) naming the file and the first unreviewed fact, if there is one."""
    nodes = proposed_nodes(graph)
    if nodes:
        first = nodes[0]
        shown = first[len(namespaces.ID):] if first.startswith(namespaces.ID) else first
        more = f" and {len(nodes) - 1} more" if len(nodes) > 1 else ""
        raise InputError(f"fact <{shown}>{more} is an unreviewed proposal (kg:reviewStatus "
                         "kg:Proposed): review it and remove the status, or build with "
                         "--include-proposed", source=source)
