"""The dataset description meets DCAT-AP 3.0 (mandatory and recommended) and carries VoID statistics.

Two shape sets check it: our own profile (ontology/shapes-dataset.ttl, every recommended property
as a Violation) and the published SEMIC DCAT-AP 3.0.0 shapes (releases/3.0.0/shacl/dcat-ap-SHACL.ttl,
copied unchanged into tests/fixtures/dcat-ap/, see its README). Both run with pySHACL and no inference
on the description graph the build assembles (graph/dataset.ttl plus what kgtool/dcat.py computes),
and the SEMIC shapes also on the whole built graph and on graph/dataset.ttl alone. The VoID counts
are recomputed here independently from the data graphs.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, VOID, XSD

from kgtool import dcat
from kgtool.dataset import DESCRIPTION_GRAPH
from kgtool.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "dcat-ap"
DATASET = URIRef("https://w3id.org/kgtool/id/dataset/songjiang-kg")
build = importlib.import_module("kgtool.build")   # the module, not kgtool.build() of the public API


SEMIC_SHACL = FIXTURES / "dcat-ap-3.0.0-SHACL.ttl"
SEMIC = "https://semiceu.github.io//DCAT-AP/releases/3.0.0#"
IN_SERIES_SHAPE = URIRef(SEMIC + "DatasetInSeriesShape")
IN_SERIES = URIRef(str(DCAT) + "inSeries")   # DCAT 3; rdflib's DCAT namespace lacks it


def published_shapes() -> Graph:
    return Graph().parse(SEMIC_SHACL, format="turtle")


def semic_shapes() -> Graph:
    """The published shapes with one correction of scope, nothing removed.

    The generated file targets its "Dataset member of a Dataset Series" shape at every dcat:Dataset,
    so it demands dcat:inSeries of all datasets. The specification (3.0.0, section 6 and the class
    "Dataset member of a Dataset Series") and SEMICeu/DCAT-AP#278 define that class as the datasets
    that are in a series, i.e. the subjects of dcat:inSeries; the shape is retargeted to exactly those.
    test_semic_shapes_as_published_differ_only_by_that_scope pins that this is the only difference.
    """
    shapes = published_shapes()
    assert (IN_SERIES_SHAPE, SH.targetClass, DCAT.Dataset) in shapes
    shapes.remove((IN_SERIES_SHAPE, SH.targetClass, DCAT.Dataset))
    shapes.add((IN_SERIES_SHAPE, SH.targetSubjectsOf, IN_SERIES))
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


def test_semic_fixture_is_the_complete_3_0_0_release() -> None:
    text = SEMIC_SHACL.read_text(encoding="utf-8")
    assert len(text) == 192605                       # total_chars of the upstream file (README)
    shapes = published_shapes()
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) == 41 and all(str(s).startswith(SEMIC) for s in node_shapes)
    referenced, defined = set(shapes.objects(None, SH.property)), set(shapes.subjects(SH.path, None))
    assert len(referenced) == 292 and referenced == defined
    targets = set(shapes.objects(None, SH.targetClass))
    assert {DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, DCAT.DataService} <= targets


def test_semic_shapes_as_published_differ_only_by_that_scope(description: Graph) -> None:
    assert results(description, published_shapes()) == [
        ("Violation", str(DATASET), str(IN_SERIES))]


def test_semic_shapes_find_nothing_in_the_description(description: Graph) -> None:
    assert results(description, semic_shapes()) == []


def test_semic_shapes_find_nothing_in_the_whole_built_graph(assembly) -> None:
    """A harvester may read the whole graph: every concept scheme is then a DCAT-AP category
    scheme (needs dct:title) and every skos:Concept a category (needs skos:prefLabel)."""
    assert results(assembly.graph, semic_shapes()) == []


def test_semic_shapes_find_nothing_in_the_hand_written_file() -> None:
    assert results(Graph().parse(ROOT / "graph" / "dataset.ttl"), semic_shapes()) == []


def test_semic_shapes_catch_what_dcat_ap_requires(description: Graph) -> None:
    """The shapes really check the linked nodes' classes (no inference): untyped licence, theme,
    media type or URL, a literal publisher, a missing access URL, a series that is no series."""
    broken = Graph() + description
    dist = URIRef(str(DATASET) + "/turtle")
    licence = description.value(dist, DCTERMS.license)
    theme = next(description.objects(DATASET, DCAT.theme))
    media = description.value(dist, DCAT.mediaType)
    url = description.value(dist, DCAT.downloadURL)
    for node in (licence, theme, media, url):
        broken.remove((node, RDF.type, None))
    broken.remove((dist, DCAT.accessURL, None))
    broken.remove((DATASET, DCTERMS.publisher, None))
    broken.add((DATASET, DCTERMS.publisher, Literal("kgtool contributors")))
    broken.add((DATASET, IN_SERIES, URIRef("https://example.org/not-a-series")))
    found = {(f, p) for sev, f, p in results(broken, semic_shapes()) if sev == "Violation"}
    assert {(str(dist), str(DCTERMS.license)), (str(DATASET), str(DCAT.theme)),
            (str(dist), str(DCAT.mediaType)), (str(dist), str(DCAT.downloadURL)),
            (str(dist), str(DCAT.accessURL)), (str(DATASET), str(DCTERMS.publisher)),
            (str(DATASET), str(IN_SERIES))} <= found


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
