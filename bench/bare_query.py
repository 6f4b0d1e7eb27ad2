"""The baseline the CLI is measured against: import click and the engine, load, query, print TSV.

    python bench/bare_query.py FILE QUERY.rq
"""
import sys

import click  # noqa: F401 - the CLI framework's import cost is part of the baseline
import pyoxigraph

store = pyoxigraph.Store()
store.load(path=sys.argv[1], format=pyoxigraph.RdfFormat.TURTLE)
with open(sys.argv[2], encoding="utf-8") as fh:
    query = fh.read()
result = store.query(query)
sys.stdout.buffer.write(result.serialize(format=pyoxigraph.QueryResultsFormat.TSV))
