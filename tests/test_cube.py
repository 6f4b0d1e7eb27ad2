"""The statistics are a well-formed RDF Data Cube: the W3C integrity constraints IC-1 to IC-21.

The constraints are the SPARQL ASK queries of "The RDF Data Cube Vocabulary" (W3C Recommendation,
16 January 2014), section 11.1: each asks for a violation, so each must answer false. They run on
pyoxigraph over the built graph (graph/songjiang.ttl, which carries the data structure definitions
of graph/dataset.ttl) plus the ontology, after the normalisation the recommendation prescribes
(section 10: phase 1 type and property closure, phase 2 pushing attachments down to observations).
IC-20 and IC-21 are templates, instantiated for every qb:parentChildProperty of a
qb:HierarchicalCodeList in the graph. Mutation tests show the queries do catch what they check.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILT = ROOT / "graph" / "songjiang.ttl"
ONTOLOGY = ROOT / "ontology" / "kgtool.ttl"

PREFIXES = """
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb:   <http://purl.org/linked-data/cube#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
"""

# Section 10.1 (phase 1) and 10.2 (phase 2) of the recommendation.
NORMALISE = [
    "INSERT { ?o rdf:type qb:Observation } WHERE { [] qb:observation ?o }",
    "INSERT { ?o rdf:type qb:Observation } WHERE { ?o qb:dataSet [] }",
    "INSERT { ?s rdf:type qb:Slice } WHERE { [] qb:slice ?s }",
    "INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:DimensionProperty } WHERE { ?cs qb:dimension ?p }",
    "INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:MeasureProperty } WHERE { ?cs qb:measure ?p }",
    "INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:AttributeProperty } WHERE { ?cs qb:attribute ?p }",
    """INSERT { ?obs ?comp ?value } WHERE {
         ?spec qb:componentProperty ?comp ; qb:componentAttachment qb:DataSet .
         ?dataset qb:structure [ qb:component ?spec ] ; ?comp ?value .
         ?obs qb:dataSet ?dataset . }""",
    """INSERT { ?obs ?comp ?value } WHERE {
         ?spec qb:componentProperty ?comp ; qb:componentAttachment qb:Slice .
         ?dataset qb:structure [ qb:component ?spec ] ; qb:slice ?slice .
         ?slice ?comp ?value ; qb:observation ?obs . }""",
    """INSERT { ?obs ?comp ?value } WHERE {
         ?spec qb:componentProperty ?comp .
         ?comp a qb:DimensionProperty .
         ?dataset qb:structure [ qb:component ?spec ] ; qb:slice ?slice .
         ?slice ?comp ?value ; qb:observation ?obs . }""",
]

IC = {
    "IC-1 unique data set": """ASK {
        { ?obs a qb:Observation . FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . } }
        UNION { ?obs a qb:Observation ; qb:dataSet ?dataset1, ?dataset2 . FILTER (?dataset1 != ?dataset2) } }""",
    "IC-2 unique DSD": """ASK {
        { ?dataset a qb:DataSet . FILTER NOT EXISTS { ?dataset qb:structure ?dsd . } }
        UNION { ?dataset a qb:DataSet ; qb:structure ?dsd1, ?dsd2 . FILTER (?dsd1 != ?dsd2) } }""",
    "IC-3 DSD includes measure": """ASK {
        ?dsd a qb:DataStructureDefinition .
        FILTER NOT EXISTS { ?dsd qb:component [ qb:componentProperty [ a qb:MeasureProperty ] ] } }""",
    "IC-4 dimensions have range": """ASK {
        ?dim a qb:DimensionProperty . FILTER NOT EXISTS { ?dim rdfs:range [] } }""",
    "IC-5 concept dimensions have code lists": """ASK {
        ?dim a qb:DimensionProperty ; rdfs:range skos:Concept .
        FILTER NOT EXISTS { ?dim qb:codeList [] } }""",
    "IC-6 only attributes may be optional": """ASK {
        ?dsd qb:component ?componentSpec .
        ?componentSpec qb:componentRequired "false"^^xsd:boolean ; qb:componentProperty ?component .
        FILTER NOT EXISTS { ?component a qb:AttributeProperty } }""",
    "IC-7 slice keys must be declared": """ASK {
        ?sliceKey a qb:SliceKey .
        FILTER NOT EXISTS { [ a qb:DataStructureDefinition ] qb:sliceKey ?sliceKey } }""",
    "IC-8 slice keys consistent with DSD": """ASK {
        ?slicekey a qb:SliceKey ; qb:componentProperty ?prop .
        ?dsd qb:sliceKey ?slicekey .
        FILTER NOT EXISTS { ?dsd qb:component [ qb:componentProperty ?prop ] } }""",
    "IC-9 unique slice structure": """ASK {
        { ?slice a qb:Slice . FILTER NOT EXISTS { ?slice qb:sliceStructure ?key } }
        UNION { ?slice a qb:Slice ; qb:sliceStructure ?key1, ?key2 . FILTER (?key1 != ?key2) } }""",
    "IC-10 slice dimensions complete": """ASK {
        ?slice qb:sliceStructure [ qb:componentProperty ?dim ] .
        FILTER NOT EXISTS { ?slice ?dim [] } }""",
    "IC-11 all dimensions required": """ASK {
        ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty .
        FILTER NOT EXISTS { ?obs ?dim [] } }""",
    "IC-12 no duplicate observations": """ASK {
        FILTER( ?allEqual )
        { SELECT (MIN(?equal) AS ?allEqual) WHERE {
            ?obs1 qb:dataSet ?dataset . ?obs2 qb:dataSet ?dataset .
            FILTER (?obs1 != ?obs2)
            ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
            ?dim a qb:DimensionProperty .
            ?obs1 ?dim ?value1 . ?obs2 ?dim ?value2 .
            BIND( ?value1 = ?value2 AS ?equal)
          } GROUP BY ?obs1 ?obs2 } }""",
    "IC-13 required attributes": """ASK {
        ?obs qb:dataSet/qb:structure/qb:component ?component .
        ?component qb:componentRequired "true"^^xsd:boolean ; qb:componentProperty ?attr .
        FILTER NOT EXISTS { ?obs ?attr [] } }""",
    "IC-14 all measures present": """ASK {
        ?obs qb:dataSet/qb:structure ?dsd .
        FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
        ?dsd qb:component/qb:componentProperty ?measure .
        ?measure a qb:MeasureProperty .
        FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-15 measure dimension consistent": """ASK {
        ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure .
        ?dsd qb:component/qb:componentProperty qb:measureType .
        FILTER NOT EXISTS { ?obs ?measure [] } }""",
    "IC-16 single measure on measure dimension observation": """ASK {
        ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure ; ?omeasure [] .
        ?dsd qb:component/qb:componentProperty qb:measureType ;
             qb:component/qb:componentProperty ?omeasure .
        ?omeasure a qb:MeasureProperty .
        FILTER (?omeasure != ?measure) }""",
    "IC-17 all measures present in measures dimension cube": """ASK {
        { SELECT ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
            { SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
                ?dsd qb:component/qb:componentProperty ?m . ?m a qb:MeasureProperty .
              } GROUP BY ?dsd }
            ?obs1 qb:dataSet/qb:structure ?dsd ; qb:dataSet ?dataset ; qb:measureType ?m1 .
            ?obs2 qb:dataSet ?dataset ; qb:measureType ?m2 .
            FILTER NOT EXISTS {
                ?dsd qb:component/qb:componentProperty ?dim .
                FILTER (?dim != qb:measureType)
                ?dim a qb:DimensionProperty .
                ?obs1 ?dim ?v1 . ?obs2 ?dim ?v2 . FILTER (?v1 != ?v2) }
          } GROUP BY ?obs1 ?numMeasures HAVING (?count != ?numMeasures) } }""",
    "IC-18 consistent data set links": """ASK {
        ?dataset qb:slice ?slice . ?slice qb:observation ?obs .
        FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . } }""",
    "IC-19 codes from code list (concept scheme)": """ASK {
        ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ; qb:codeList ?list .
        ?list a skos:ConceptScheme .
        ?obs ?dim ?v .
        FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list } }""",
    "IC-19 codes from code list (collection)": """ASK {
        ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ; qb:codeList ?list .
        ?list a skos:Collection .
        ?obs ?dim ?v .
        FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member+ ?v } }""",
}
# IC-20 and IC-21: templates over each parent-child property $p of a hierarchical code list.
IC_HIERARCHY = {
    "IC-20 codes from hierarchy": """ASK {
        ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ; qb:codeList ?list .
        ?list a qb:HierarchicalCodeList .
        ?obs ?dim ?v .
        FILTER NOT EXISTS { ?list qb:hierarchyRoot/<$p>* ?v } }""",
    "IC-21 codes from hierarchy (inverse)": """ASK {
        ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty ; qb:codeList ?list .
        ?list a qb:HierarchicalCodeList .
        ?obs ?dim ?v .
        FILTER NOT EXISTS { ?list qb:hierarchyRoot/(^<$p>)* ?v } }""",
}
PARENT_CHILD = "SELECT DISTINCT ?p WHERE { ?list a qb:HierarchicalCodeList ; qb:parentChildProperty ?p }"


def load(extra_turtle: str = "", drop: str = "") -> ox.Store:
    store = ox.Store()
    for path in (BUILT, ONTOLOGY):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    if drop:
        store.update(PREFIXES + drop)
    if extra_turtle:
        store.load(extra_turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE,
                   base_iri="https://w3id.org/kgtool/id/")
    for rule in NORMALISE:
        store.update(PREFIXES + rule)
    return store


def violated(store: ox.Store) -> list[str]:
    bad = [name for name, q in IC.items() if store.query(PREFIXES + q)]
    for row in store.query(PREFIXES + PARENT_CHILD):
        p = row["p"].value
        bad += [f"{name} <{p}>" for name, q in IC_HIERARCHY.items()
                if store.query(PREFIXES + q.replace("$p", p))]
    return bad


@pytest.fixture(scope="module")
def cube() -> ox.Store:
    return load()


def test_all_integrity_constraints_hold(cube: ox.Store) -> None:
    assert len(IC) == 20 and len(IC_HIERARCHY) == 2   # IC-1..IC-21, IC-19 in two parts
    assert violated(cube) == []


def test_every_observation_is_in_a_structured_data_set(cube: ox.Store) -> None:
    q = PREFIXES + """SELECT (COUNT(DISTINCT ?obs) AS ?n) (COUNT(DISTINCT ?ds) AS ?d) WHERE {
        ?obs a qb:Observation ; qb:dataSet ?ds . ?ds qb:structure [ a qb:DataStructureDefinition ] }"""
    row = next(iter(cube.query(q)))
    total = next(iter(cube.query(PREFIXES + "SELECT (COUNT(?o) AS ?n) WHERE { ?o a qb:Observation }")))
    assert int(row["n"].value) == int(total["n"].value) >= 20
    assert int(row["d"].value) >= 2


M = "<https://w3id.org/kgtool/id/observation/"
MUTATIONS = [
    # (what is broken, SPARQL update or Turtle to add, the constraint that must then fail)
    ("a data set without structure", "DELETE WHERE { ?ds qb:structure ?dsd }", "", "IC-2 unique DSD"),
    ("an observation in two data sets", "",
     "<observation/a06> <http://purl.org/linked-data/cube#dataSet> <dataset/songjiang-article-statistics-area> .",
     "IC-1 unique data set"),
    ("a dimension without range", "DELETE WHERE { sdmx-dimension:refPeriod rdfs:range ?r }", "",
     "IC-4 dimensions have range"),
    ("a missing dimension value", f"DELETE WHERE {{ {M}a06> sdmx-dimension:refPeriod ?p }}", "",
     "IC-11 all dimensions required"),
    ("a missing required attribute", f"DELETE WHERE {{ {M}a06> sdmx-attribute:unitMeasure ?u }}", "",
     "IC-13 required attributes"),
    ("a missing measure", f"DELETE WHERE {{ {M}a06> sdmx-measure:obsValue ?v }}", "",
     "IC-14 all measures present"),
    ("a code outside its code list", "",
     "<observation/a06> <https://w3id.org/kgtool/def/indicator> <concept/not-in-the-list> .\n"
     "<concept/not-in-the-list> a <http://www.w3.org/2004/02/skos/core#Concept> .",
     "IC-19 codes from code list (concept scheme)"),
]


@pytest.mark.parametrize("what, drop, add, expected", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_constraints_catch_broken_copies(what: str, drop: str, add: str, expected: str) -> None:
    assert expected in violated(load(extra_turtle=add, drop=drop))


def test_duplicate_observation_is_caught() -> None:
    store = load()
    # a copy of a06 with the same dimension values, in the same data set
    store.update(PREFIXES + f"INSERT {{ {M}zz> ?p ?o }} WHERE {{ {M}a06> ?p ?o }}")
    assert "IC-12 no duplicate observations" in violated(store)


def test_hierarchy_templates_are_instantiated_and_catch_unreachable_codes() -> None:
    """IC-20/21 run once per qb:parentChildProperty; the data has no hierarchical code list, so a
    broken copy declares one whose root reaches none of the codes used."""
    hcl = """<scheme/企业类别> a <http://purl.org/linked-data/cube#HierarchicalCodeList> ;
        <http://purl.org/linked-data/cube#hierarchyRoot> <concept/nowhere> ;
        <http://purl.org/linked-data/cube#parentChildProperty> <http://www.w3.org/2004/02/skos/core#narrower> ."""
    bad = violated(load(extra_turtle=hcl))
    narrower = "<http://www.w3.org/2004/02/skos/core#narrower>"
    assert f"IC-20 codes from hierarchy {narrower}" in bad
    assert f"IC-21 codes from hierarchy (inverse) {narrower}" in bad
