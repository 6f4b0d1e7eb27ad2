"""The baseline the CLI is measured against: import click and the engine, load, query, print TSV.

    python bench/bare_query.py FILE QUERY.rq

A dataset file (TriG, N-Quads: the built dataset graph/songjiang.trig) is queried the way every
kgtool path queries it (kgtool.dataset): the default graph made the distinct union of the named
graphs first, so both sides do the same engine work.
"""
import sys

import click  # noqa: F401 - the CLI framework's import cost is part of the baseline
import pyoxigraph

store = pyoxigraph.Store()
fmt = pyoxigraph.RdfFormat.from_extension(sys.argv[1].rsplit(".", 1)[-1])
store.load(path=sys.argv[1], format=fmt)
if fmt.supports_datasets:
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
with open(sys.argv[2], encoding="utf-8") as fh:
    query = fh.read()
result = store.query(query)
sys.stdout.buffer.write(result.serialize(format=pyoxigraph.QueryResultsFormat.TSV))
