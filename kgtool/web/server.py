"""The web pages inside `kgtool serve`: every path but /sparql comes here (one hook in
kgtool/serve.py's Handler._get).

Pages are rendered in the server process from its own read-only view of the data (an in-memory
copy of the served files, or the store opened read-only) -- measured in bench/web.py: an entity
page is a few index lookups plus a template, far cheaper than a round trip to a worker. The query
page and nothing else goes through the endpoint's worker pool, with the server's timeout and row
cap. Only GET and HEAD reach us (the Handler answers everything else), so there is no write path.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kgtool.web.render import Page, Renderer
from kgtool.web.site import open_site


class WebFront:
    """Routes a request of the endpoint's Handler to the Renderer and replies."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def handle(self, handler: Any) -> None:
        parts = urlsplit(handler.path)
        try:
            path = unquote(parts.path, encoding="utf-8", errors="strict").lstrip("/")
            params = parse_qs(parts.query, keep_blank_values=True, encoding="utf-8",
                              errors="strict")
        except UnicodeDecodeError:
            page = Page(400, "text/plain; charset=utf-8", b"error: the URL is not UTF-8\n")
        else:
            if "\x00" in path or any(seg in ("..", ".") for seg in path.split("/")):
                page = self.renderer.not_found(path)
            else:
                page = self.renderer.respond(path, params, handler.headers.get("Accept"))
        handler._reply(page.status, page.body, page.ctype, page.headers)


def pool_runner(server: Any) -> Any:
    """The query page's runner: the endpoint's worker pool, timeout and row cap."""
    from kgtool.serve import Busy  # noqa: PLC0415

    def run(text: str, fmt: str) -> dict[str, Any]:
        cfg = server.cfg
        try:
            return server.pool.run({"query": text, "fmt": fmt, "default_graphs": [],
                                    "named_graphs": []}, cfg.timeout)
        except TimeoutError:
            return {"status": 503, "message": f"query stopped after the server's timeout of "
                                              f"{cfg.timeout:g} s"}
        except Busy:
            return {"status": 503, "message": "all query workers are busy; retry"}

    return run


def attach(server: Any) -> None:
    """Give an EndpointServer its web pages (`server.web`). Raises KgtoolError."""
    from kgtool import project as project_mod  # noqa: PLC0415

    cfg = server.cfg
    proj = project_mod.locate(cfg.project)
    site = open_site(cfg.data, cfg.store, ontology=proj.ontology, base=cfg.base,
                     exclusions=proj.exclusions)
    ontology = site.stores[-1] if len(site.stores) > 1 else None
    server.web = WebFront(Renderer(site, ontology=ontology, runner=pool_runner(server),
                                   row_cap=cfg.row_cap, allow_from=cfg.allow_from))


__all__ = ["WebFront", "attach", "pool_runner"]
