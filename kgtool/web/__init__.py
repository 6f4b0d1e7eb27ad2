"""Linked Data pages for the graph: every IRI under the base resolves (kgtool.web.urls), entity
and source pages with the source words of every fact, pictures, a query page, and a static copy
(`kgtool publish`). See docs/web.md.
"""
from __future__ import annotations

from kgtool.web.site import Site, open_site

__all__ = ["Site", "open_site"]
