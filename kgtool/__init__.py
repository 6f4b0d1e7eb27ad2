"""kgtool: a knowledge-graph builder with a SPARQL query layer for open government data.

The command line (`kgtool ...`) is a thin layer over the functions exported here.
"""
from __future__ import annotations

__version__ = "0.1.0"
