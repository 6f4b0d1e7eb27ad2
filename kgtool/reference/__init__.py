"""Importers for the open reference datasets kgtool links to (issue #4).

Each importer reads a dataset exactly as its publisher released it (never a hand-edited copy),
checks it row by row, and streams an N-Triples reference graph into the user's cache
(`--cache DIR`, `$KGTOOL_CACHE`, default `~/.cache/kgtool`) — never into the repository, because
the reference data is large, has its own licences and is not ours to redistribute.

* `divisions`    — NBS 统计用区划代码 (CSV and nested-JSON layouts, province to village level);
* `code_history` — GB/T 2260 county-level code history (retired codes and their successors);
* `industry`     — GB/T 4754-2017 sections and divisions (and optionally the full tree);
* `wikidata`     — the verified rows of the hand-compiled Wikidata QID table.

The IRIs, code forms and provenance rules are documented in docs/linking.md.
"""
from __future__ import annotations
