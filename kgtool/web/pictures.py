"""Geometry of the generated pictures: the ontology diagram, an entity's neighbourhood and a
source's statistics chart. Layouts are simple and deterministic (sorted inputs, fixed grids and
circles), so the same graph gives byte-identical SVG; the SVG itself is drawn by the templates
in `templates/svg/` (escaped like every page), with system fonts only: no CDN, no web font,
no script.
"""
from __future__ import annotations

import math
import unicodedata
from typing import Any

import pyoxigraph as ox

from kgtool.namespaces import PREFIXES
from kgtool.web import urls

MAX_NEIGHBOURS = 18
RADIUS = 190
SUBCLASS = ox.NamedNode(PREFIXES["rdfs"] + "subClassOf")
OWL_CLASS = ox.NamedNode(PREFIXES["owl"] + "Class")
DOMAIN = ox.NamedNode(PREFIXES["schema"] + "domainIncludes")
RANGE = ox.NamedNode(PREFIXES["schema"] + "rangeIncludes")


def _short(text: str, n: int = 14) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _box_width(text: str, size: float, pad: float = 16) -> float:
    """The width of a label box that holds `text` at font `size`: CJK glyphs are about one em
    wide, Latin ones about 0.6 em (no font metrics offline, so an estimate that errs wide)."""
    em = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.62 for c in text)
    return round(em * size + pad, 1)


def neighbourhood(site: Any, page: str, iri: str) -> dict[str, Any]:
    """The entity in the middle, its neighbours (out- and in-links, literals left out) on a
    circle, each edge labelled with its property; neighbours link to their pages."""
    edges: list[tuple[str, Any, str]] = []   # (direction, node, predicate curie)
    for p, o in site.out(iri):
        if isinstance(o, ox.NamedNode) and p.value != PREFIXES["rdf"] + "type":
            edges.append(("out", o, urls.curie(p.value)))
    for s, p in site.inc(iri):
        if isinstance(s, ox.NamedNode):
            edges.append(("in", s, urls.curie(p.value)))
    hidden = max(0, len(edges) - MAX_NEIGHBOURS)
    edges = edges[:MAX_NEIGHBOURS]
    size = 2 * RADIUS + 200
    cx = cy = size / 2
    nodes, lines = [], []
    for i, (direction, node, pred) in enumerate(edges):
        angle = 2 * math.pi * i / max(1, len(edges)) - math.pi / 2
        x, y = cx + RADIUS * math.cos(angle), cy + RADIUS * math.sin(angle)
        text, tag = site.label(node)
        short = _short(text)
        nodes.append({"x": round(x, 1), "y": round(y, 1), "text": short, "lang": tag,
                      "w": _box_width(short, 12),
                      "title": node.value, "href": site.doc_href(page, node.value)})
        mx, my = (cx + x) / 2, (cy + y) / 2
        x1, y1, x2, y2 = (cx, cy, x, y) if direction == "out" else (x, y, cx, cy)
        # stop the arrow short of the target's label box
        k = 1 - 28 / max(1.0, math.hypot(x2 - x1, y2 - y1))
        lines.append({"x1": round(x1, 1), "y1": round(y1, 1), "x2": round(x1 + (x2 - x1) * k, 1),
                      "y2": round(y1 + (y2 - y1) * k, 1), "mx": round(mx, 1), "my": round(my, 1),
                      "label": pred})
    text, tag = site.label(ox.NamedNode(iri))
    center = _short(text, 18)
    return {"width": size, "height": size, "cx": cx, "cy": cy, "center": center,
            "center_w": max(120.0, _box_width(center, 13, 24)),
            "lang": tag, "nodes": nodes, "lines": lines, "hidden": hidden}


def statistics(site: Any, page: str, info: Any) -> dict[str, Any] | None:
    """Bars for the observations drawn from this source, one group per unit (bars scale within
    their group: 亿元 and 家 are not comparable)."""
    obs_class = ox.NamedNode(PREFIXES["qb"] + "Observation")
    value_p = ox.NamedNode(PREFIXES["sdmx-measure"] + "obsValue")
    unit_p = ox.NamedNode(PREFIXES["sdmx-attribute"] + "unitMeasure")
    ind_p = ox.NamedNode(PREFIXES["kg"] + "indicator")
    period_p = ox.NamedNode(PREFIXES["sdmx-dimension"] + "refPeriod")
    reported_p = ox.NamedNode(PREFIXES["kg"] + "reportedValue")
    facts = {f for fs in info.facts.values() for f in fs}
    groups: dict[str, list[dict[str, Any]]] = {}
    for obs in site.subjects(ox.NamedNode(PREFIXES["rdf"] + "type"), obs_class):
        if obs.value not in facts:
            continue
        values = [o for o in site.objects(obs, value_p) if isinstance(o, ox.Literal)]
        try:
            value = float(values[0].value) if values else None
        except ValueError:
            value = None
        if value is None:
            continue
        unit = site.objects(obs, unit_p)
        unit_text = site.label(unit[0])[0] if unit else ""
        ind = site.objects(obs, ind_p)
        period = site.objects(obs, period_p)
        reported = site.objects(obs, reported_p)
        label = site.label(ind[0])[0] if ind else obs.value
        if period:
            label += f" ({site.label(period[0])[0]})"
        groups.setdefault(unit_text, []).append({
            "label": label, "value": value, "href": site.doc_href(page, obs.value),
            "shown": reported[0].value if reported else values[0].value})
    if not groups:
        return None
    rows, y, bar_w, left = [], 10, 360, 330
    for unit_text in sorted(groups):
        bars = sorted(groups[unit_text], key=lambda b: (-b["value"], b["label"]))
        top = max(abs(b["value"]) for b in bars) or 1.0
        rows.append({"kind": "unit", "y": y + 14, "text": unit_text or "(no unit)"})
        y += 22
        for b in bars:
            w = max(1.0, bar_w * abs(b["value"]) / top)
            rows.append({"kind": "bar", "y": y, "w": round(w, 1), "text": _short(b["label"], 26),
                         "full": b["label"], "shown": b["shown"], "href": b["href"]})
            y += 20
        y += 8
    return {"width": left + bar_w + 110, "height": y + 10, "left": left, "rows": rows,
            "n": sum(len(g) for g in groups.values())}


def ontology(onto_store: Any, lang: Any, base: str, page: str) -> dict[str, Any]:
    """The class hierarchy of the ontology as an indented tree (kg: classes and the reused
    classes they refine), with the schema:domainIncludes -> rangeIncludes properties between
    classes drawn as lanes on the right."""
    def label(node: Any) -> str:
        best = ""
        for q in onto_store.quads_for_pattern(node, ox.NamedNode(PREFIXES["rdfs"] + "label"), None):
            if isinstance(q.object, ox.Literal) and (q.object.language or "") == "en":
                best = q.object.value
        return best or urls.curie(node.value)

    classes = {q.subject for q in onto_store.quads_for_pattern(None, ox.NamedNode(
        PREFIXES["rdf"] + "type"), OWL_CLASS) if isinstance(q.subject, ox.NamedNode)}
    parents: dict[Any, list[Any]] = {}
    for q in onto_store.quads_for_pattern(None, SUBCLASS, None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            parents.setdefault(q.subject, []).append(q.object)
            classes.update((q.subject, q.object))
    children: dict[Any, list[Any]] = {}
    for c, ps in parents.items():
        first = sorted(ps, key=lambda n: n.value)[0]   # drawn under its first parent only
        children.setdefault(first, []).append(c)
    roots = sorted((c for c in classes if c not in parents), key=lambda n: n.value)
    boxes: dict[Any, dict[str, Any]] = {}
    order: list[Any] = []

    def place(node: Any, d: int) -> None:
        if node in boxes:
            return
        row = len(order)
        order.append(node)
        boxes[node] = {"x": 10 + 24 * d, "y": 10 + 22 * row, "w": 250, "text": _short(
            f"{urls.curie(node.value)} · {label(node)}", 44), "title": node.value,
            "href": (urls.rel(page, urls.doc_path(node.value[len(base):], "html"))
                     if node.value.startswith(base) else None), "depth": d}
        for ch in sorted(children.get(node, []), key=lambda n: n.value):
            place(ch, d + 1)

    for r in roots:
        place(r, 0)
    tree = []
    for c, ps in sorted(parents.items(), key=lambda kv: kv[0].value):
        first = sorted(ps, key=lambda n: n.value)[0]
        a, b = boxes[first], boxes[c]
        tree.append({"x": a["x"] + 8, "y1": a["y"] + 16, "y2": b["y"] + 8, "x2": b["x"]})
    right = max((b["x"] + b["w"] for b in boxes.values()), default=200) + 20
    lanes: list[dict[str, Any]] = []
    props = {q.subject for q in onto_store.quads_for_pattern(None, DOMAIN, None)}
    for prop in sorted(props, key=lambda n: n.value):
        doms = [q.object for q in onto_store.quads_for_pattern(prop, DOMAIN, None)]
        rans = [q.object for q in onto_store.quads_for_pattern(prop, RANGE, None)]
        for d in sorted(doms, key=lambda n: n.value):
            for r in sorted(rans, key=lambda n: n.value):
                if d in boxes and r in boxes:
                    x = right + 14 * len(lanes)
                    lanes.append({"x": x, "y1": boxes[d]["y"] + 8, "y2": boxes[r]["y"] + 8,
                                  "x1": boxes[d]["x"] + boxes[d]["w"],
                                  "x2": boxes[r]["x"] + boxes[r]["w"],
                                  "label": urls.curie(prop.value),
                                  "ym": (boxes[d]["y"] + boxes[r]["y"]) / 2 + 8})
    width = right + 14 * len(lanes) + 20
    return {"width": width, "height": 20 + 22 * len(order), "boxes": [boxes[n] for n in order],
            "tree": tree, "lanes": lanes, "n_classes": len(order), "n_props": len(lanes)}
