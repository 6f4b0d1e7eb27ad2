"""The dataset description meets DCAT-AP 3.0 (mandatory and recommended) and carries VoID statistics.

Two shape sets check it: our own profile (ontology/shapes-dataset.ttl, every recommended property
as a Violation) and the published SEMIC DCAT-AP shapes (tests/fixtures/dcat-ap/, see its README).
Both run with pySHACL and no inference on the description graph the build assembles (graph/dataset.ttl
plus what kgtool/dcat.py computes), and the SEMIC shapes also on graph/dataset.ttl alone. The VoID
counts are recomputed here independently from the data graphs.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, VOID, XSD

from kgtool import dcat
from kgtool.dataset import DESCRIPTION_GRAPH
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "dcat-ap"
DATASET = URIRef("https://w3id.org/kgtool/id/dataset/songjiang-kg")
build = importlib.import_module("kgtool.build")   # the module, not kgtool.build() of the public API


def semic_shapes() -> Graph:
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl"):
        shapes.parse(FIXTURES / name)
    for s, o in list(shapes.subject_objects(SH.property)):   # empty `sh:property [ ]` stubs
        if isinstance(o, BNode) and (o, None, None) not in shapes:
            shapes.remove((s, SH.property, o))
    return shapes


def results(data: Graph, shapes: Graph) -> list[tuple[str, str, str]]:
    import pyshacl

    _ok, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                          allow_warnings=True)
    return sorted((str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                   str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
                  for r in report.subjects(RDF.type, SH.ValidationResult))


@pytest.fixture(scope="module")
def assembly(real_project: Project):
    return build.assemble(real_project)


@pytest.fixture(scope="module")
def description(assembly) -> Graph:
    return assembly.graphs[DESCRIPTION_GRAPH]


def test_own_profile_conforms(description: Graph) -> None:
    shapes = Graph().parse(ROOT / "ontology" / "shapes-dataset.ttl")
    assert results(description, shapes) == []


def test_own_profile_catches_what_dcat_ap_requires(description: Graph) -> None:
    shapes = Graph().parse(ROOT / "ontology" / "shapes-dataset.ttl")
    broken = Graph() + description
    dist = URIRef(str(DATASET) + "/turtle")
    broken.remove((dist, DCAT.accessURL, None))
    broken.remove((DATASET, DCTERMS.publisher, None))
    broken.add((DATASET, DCTERMS.publisher, Literal("kgtool contributors")))
    broken.remove((DATASET, DCTERMS.temporal, None))
    paths = {(f, p) for sev, f, p in results(broken, shapes) if sev == "Violation"}
    assert (str(dist), str(DCAT.accessURL)) in paths
    assert (str(DATASET), str(DCTERMS.publisher)) in paths
    assert (str(DATASET), str(DCTERMS.temporal)) in paths


def test_semic_shapes_no_violations_and_only_known_warnings(description: Graph) -> None:
    found = results(description, semic_shapes())
    assert [r for r in found if r[0] != "Warning"] == []
    # The only recommendation we cannot meet: a bounding box and centroid for the locations (the
    # article gives no coordinates, and we do not invent them).
    assert {p for _, _, p in found} <= {str(DCAT.bbox), str(DCAT.centroid)}


def test_semic_shapes_on_the_whole_built_graph(assembly) -> None:
    """A harvester may read the whole graph: every concept scheme is then a DCAT-AP category
    scheme (needs dct:title) and every skos:Concept a category (needs skos:prefLabel)."""
    found = results(assembly.graph, semic_shapes())
    assert [r for r in found if r[0] != "Warning"] == []
    assert {p for _, _, p in found} <= {str(DCAT.bbox), str(DCAT.centroid)}


def test_semic_shapes_on_the_hand_written_file() -> None:
    found = results(Graph().parse(ROOT / "graph" / "dataset.ttl"), semic_shapes())
    assert [r for r in found if r[0] != "Warning"] == []
    # what the build adds is exactly what is missing from the hand-written part
    assert {p for _, _, p in found} <= {str(DCAT.bbox), str(DCAT.centroid), str(DCTERMS.temporal),
                                        str(DCTERMS.spatial)}


def test_void_counts_describe_the_data_not_the_description(assembly, description: Graph) -> None:
    data = Graph()
    for iri, g in assembly.graphs.items():
        if iri not in dcat.NOT_DATA:
            data += g
    assert len(data) > 1000
    assert description.value(DATASET, VOID.triples) == Literal(str(len(data)), datatype=XSD.integer)
    assert int(description.value(DATASET, VOID.distinctSubjects)) == len(set(data.subjects()))
    classes = {o for o in data.objects(None, RDF.type)}
    assert int(description.value(DATASET, VOID.classes)) == len(classes)
    parts = {description.value(p, VOID["class"]): int(description.value(p, VOID.entities))
             for p in description.objects(DATASET, VOID.classPartition)}
    assert parts == {c: len(set(data.subjects(RDF.type, c))) for c in classes}
    props = {description.value(p, VOID.property): int(description.value(p, VOID.triples))
             for p in description.objects(DATASET, VOID.propertyPartition)}
    assert sum(props.values()) == len(data) and len(props) == len(set(data.predicates()))
    # the description itself is not counted (no self-reference)
    assert (None, VOID.classPartition, None) not in data


def test_temporal_and_spatial_coverage_come_from_the_facts(assembly, description: Graph) -> None:
    data = dcat.data_graph(assembly.graphs)
    dates = sorted(o.toPython() for o in data.objects(None, dcat.TIME_IN_DATE))
    period = description.value(DATASET, DCTERMS.temporal)
    assert description.value(period, DCAT.startDate).toPython() == dates[0]
    assert description.value(period, DCAT.endDate).toPython() == dates[-1]
    areas = set(data.objects(None, dcat.REF_AREA))
    assert set(description.objects(DATASET, DCTERMS.spatial)) == areas
    assert all((a, RDF.type, DCTERMS.Location) in description for a in areas)


def test_committed_graph_carries_the_computed_description(description: Graph) -> None:
    built = Graph().parse(ROOT / "graph" / "songjiang.ttl")
    for p in (VOID.triples, VOID.distinctSubjects, VOID.classes, VOID.properties):
        assert built.value(DATASET, p) == description.value(DATASET, p), p
    assert built.value(DATASET, VOID.dataDump) is not None
