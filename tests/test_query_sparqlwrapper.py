"""SPARQLWrapper (the Python client most users reach for) against `kgtool serve`.

SPARQLWrapper sends `format=`/`output=`/`results=` parameters with its own names (`json`,
`rdf+xml`, `json-ld`, `n3`...) for every query form, beside an Accept header; serve maps them
through kgtool.formats and falls back to Accept when a value names nothing it can give for that
form. Every query form x every return format SPARQLWrapper offers must succeed (HTTP 200 and a
response SPARQLWrapper converts), by GET and by POST.
"""
from __future__ import annotations

import warnings
from typing import Iterator

import pytest

from conftest_server import ROOT, ServerProcess

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")  # in the `test` extra: never missing in CI

QUERIES = {
    "SELECT": "PREFIX kg: <https://w3id.org/kgtool/def/> SELECT ?s WHERE { ?s a kg:District }",
    "ASK": "PREFIX kg: <https://w3id.org/kgtool/def/> ASK { ?s a kg:District }",
    "CONSTRUCT": "PREFIX kg: <https://w3id.org/kgtool/def/> "
                 "CONSTRUCT { ?s a kg:District } WHERE { ?s a kg:District }",
    "DESCRIBE": "DESCRIBE <https://w3id.org/kgtool/id/place/松江区>",
}
RETURN_FORMATS = list(SPARQLWrapper.Wrapper._allowedFormats)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    srv = ServerProcess(["--data", str(ROOT / "graph" / "songjiang.ttl"), "--quiet"])
    try:
        yield srv
    finally:
        srv.stop()


def test_sparqlwrapper_offers_nine_formats() -> None:
    assert len(RETURN_FORMATS) == 9 and len(QUERIES) * len(RETURN_FORMATS) == 36


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_query_form_and_return_format(server: ServerProcess, method: str) -> None:
    failures = []
    for form, text in QUERIES.items():
        for fmt in RETURN_FORMATS:
            client = SPARQLWrapper.SPARQLWrapper(server.url)
            client.setMethod(method)
            client.setQuery(text)
            client.setReturnFormat(fmt)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "unexpected format" / content-type notes
                    response = client.query()
                    converted = response.convert()
            except Exception as exc:  # noqa: BLE001 - collect every failing combination
                failures.append(f"{form} {fmt}: {type(exc).__name__}: {exc}"[:200])
                continue
            if response.response.status != 200 or converted is None:
                failures.append(f"{form} {fmt}: status {response.response.status}")
            elif form == "ASK" and fmt == "json":
                assert converted["boolean"] is True
            elif form == "SELECT" and fmt == "json":
                assert converted["head"]["vars"] == ["s"]
                assert len(converted["results"]["bindings"]) == 1
    assert not failures, f"{len(failures)} of 36 failed:\n" + "\n".join(failures)
