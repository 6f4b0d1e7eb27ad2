"""No kgtool call changes rdflib's process-wide settings beyond the call (issue 9.4).

rdflib keeps `NORMALIZE_LITERALS` and `SPARQL_LOAD_GRAPHS` in module globals. kgtool needs
literals as written while it reads, so it switches normalisation off inside its calls only
(kgtool.rdflib_settings). These tests run each API call from both starting values and check
that the setting comes back as it was, and that kgtool's output does not depend on the value
the host program chose.
"""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import rdflib
import rdflib.plugins.sparql

from kgtool import api, io as kio
from kgtool.project import Project
from kgtool.rdflib_settings import exact_literals

from conftest import ROOT


def _settings() -> tuple[bool, bool]:
    return rdflib.NORMALIZE_LITERALS, rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS


@pytest.fixture(params=[True, False], ids=["host-normalizes", "host-keeps"])
def host_setting(request: pytest.FixtureRequest) -> Iterator[bool]:
    """The host program's choice of `rdflib.NORMALIZE_LITERALS`, restored after the test."""
    old = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = request.param
    try:
        yield request.param
    finally:
        rdflib.NORMALIZE_LITERALS = old


def test_importing_kgtool_changes_no_rdflib_setting() -> None:
    code = ("import rdflib, rdflib.plugins.sparql as s\n"
            "before = (rdflib.NORMALIZE_LITERALS, s.SPARQL_LOAD_GRAPHS)\n"
            "import kgtool, kgtool.api, kgtool.io, kgtool.build, kgtool.validate, kgtool.export, "
            "kgtool.link, kgtool.units, kgtool.store, kgtool.propose, kgtool.cli\n"
            "assert (rdflib.NORMALIZE_LITERALS, s.SPARQL_LOAD_GRAPHS) == before, before\n"
            "print(before)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(True, True)"   # rdflib's own defaults, as the host left them


def test_the_reader_keeps_lexical_forms_whatever_the_host_chose(host_setting: bool) -> None:
    text = ('<https://example.org/s> <https://example.org/p> "1.0E8"^^<http://www.w3.org/2001/XMLSchema#double> , '
            '"0012"^^<http://www.w3.org/2001/XMLSchema#integer> , 01 .')
    xsd = "http://www.w3.org/2001/XMLSchema#"
    ntriples = "".join(f'<https://example.org/s> <https://example.org/p> "{v}"^^<{xsd}{t}> .\n'
                       for v, t in (("1.0E8", "double"), ("0012", "integer"), ("01", "integer")))
    for fmt, data in (("turtle", text), ("nt", ntriples)):
        graph = kio.parse_rdf(data, format=fmt)
        assert sorted(str(o) for o in graph.objects()) == ["0012", "01", "1.0E8"], fmt
    assert rdflib.NORMALIZE_LITERALS is host_setting
    # The host's own literals are untouched by kgtool having been used.
    made = str(rdflib.Literal("0012", datatype=rdflib.XSD.integer))
    assert made == ("12" if host_setting else "0012")


def _read_calls(project: Project, tmp: Path) -> dict[str, Callable[[], Any]]:
    ds = api.open(project)
    return {
        "query": lambda: ds.query("SELECT ?v WHERE { ?o sdmx-measure:obsValue ?v } LIMIT 5").values(),
        "describe": lambda: ds.describe("松江区"),
        "stats": lambda: ds.stats(),
        "coverage": lambda: api.coverage(project),
        "validate": lambda: api.validate(project=project),
        "validate-pyshacl": lambda: api.validate(project=project, engine="pyshacl"),
        "export-turtle": lambda: api.export("data", "turtle", project=project),
        "export-rdfxml": lambda: api.export("data", "rdfxml", project=project),
        "export-jsonld": lambda: api.export("data", "jsonld", project=project),
        "export-all": lambda: api.export("all", "trig", project=project),
        "facts": lambda: len(api.facts_graph(project)),
    }


CALLS = ["query", "describe", "stats", "coverage", "validate", "validate-pyshacl", "export-turtle",
         "export-rdfxml", "export-jsonld", "export-all", "facts"]


@pytest.mark.parametrize("call", CALLS)
def test_no_api_call_leaves_a_setting_changed(call: str, host_setting: bool, real_project: Project,
                                              tmp_path: Path) -> None:
    before = _settings()
    _read_calls(real_project, tmp_path)[call]()
    assert _settings() == before


@pytest.fixture(scope="module")
def exports_keeping(real_project: Project) -> dict[str, bytes]:
    """Each export format with the host keeping lexical forms (kgtool's own choice)."""
    old = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        return {f: api.export("data", f, project=real_project) for f in ("turtle", "rdfxml", "jsonld")}
    finally:
        rdflib.NORMALIZE_LITERALS = old


@pytest.mark.parametrize("fmt", ["turtle", "rdfxml", "jsonld"])
def test_export_bytes_do_not_depend_on_the_host_setting(fmt: str, real_project: Project,
                                                         exports_keeping: dict[str, bytes]) -> None:
    rdflib.NORMALIZE_LITERALS = True   # rdflib's default, what a notebook has
    assert api.export("data", fmt, project=real_project) == exports_keeping[fmt]
    assert rdflib.NORMALIZE_LITERALS is True


def test_build_is_byte_identical_and_leaves_the_setting(host_setting: bool, project_copy: Project,
                                                         real_project: Project) -> None:
    before = _settings()
    api.build(project_copy)
    assert _settings() == before
    built = project_copy.built_graph.read_bytes()
    assert built == real_project.built_graph.read_bytes()


def test_store_graph_leaves_the_setting(host_setting: bool, real_project: Project,
                                        tmp_path: Path, cli_run) -> None:
    store = tmp_path / "store"
    loaded = cli_run(["load", "--store", str(store), str(real_project.built_graph)])
    assert loaded.exit_code == 0, loaded.output
    from kgtool import store as st

    before = _settings()
    graph = st.rdflib_graph(store)
    assert _settings() == before
    plain = {None, str(rdflib.XSD.string), str(rdflib.RDF.langString)}
    stored = {q.object.value for q in st.quads(store)
              if getattr(getattr(q.object, "datatype", None), "value", None) not in plain}
    typed = {str(o) for o in graph.objects() if isinstance(o, rdflib.Literal) and o.datatype}
    assert typed == stored   # the store's own lexical forms, not rdflib's re-normalised ones


def test_the_scope_nests_and_survives_threads() -> None:
    rdflib.NORMALIZE_LITERALS = True
    inside: list[bool] = []
    gate = threading.Barrier(2)

    def worker() -> None:
        with exact_literals():
            gate.wait()          # both threads inside at once
            inside.append(rdflib.NORMALIZE_LITERALS)
            gate.wait()          # the other thread may leave first; we are still inside
            inside.append(rdflib.NORMALIZE_LITERALS)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    with exact_literals():
        with exact_literals():
            rdflib.NORMALIZE_LITERALS = True   # a library inside turning it back on (pySHACL does)
        nested = rdflib.NORMALIZE_LITERALS
    assert inside == [False] * 4 and nested is False and rdflib.NORMALIZE_LITERALS is True
