"""The SHACL shapes (ontology/shapes.ttl) reject what they should, and only that.

* tests/cases/*.ttl are small hand-written graphs that conform (no violation, no warning).
* CASES: one broken copy per case -- a SPARQL Update applied to a fresh copy of one case file,
  validated on its own -- that must give the expected focus node, source shape, constraint
  component and severity. Every node shape with a target and every SPARQL constraint has at
  least one. A few cases must NOT fire (a missing period is fine when the observation has a
  kg:observedEntity).
* BATCHES: the remaining property shapes, many mutations on distinct nodes of one copy per case
  file; the report must be exactly the expected set, so a mutation cannot hide behind another.
* The real built graph (graph/songjiang.ttl) conforms, and one copy with the mutations of
  REAL_MUTATIONS (distinct focus nodes) reports exactly those violations.
* Coverage: every property shape, node-level constraint and SPARQL constraint of the shapes file
  is the source of some expected result, so a shape without a failing test fails this file.

Every copy is validated as exactly its data (no ontology, no inference, as any SHACL engine
reads it) by pySHACL -- pyshacl.validate(data, shacl_graph=shapes, inference="none") -- whose
results the expectations are written against, and by kgtool's own engine (kgtool.shacl), which
must report the same. Validations run in a small process pool once per session and the tests
read their reports.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).resolve().parent / "cases"
ONTOLOGY = ROOT / "ontology" / "kgtool.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
BUILT = ROOT / "graph" / "songjiang.ttl"

ID = "https://w3id.org/kgtool/id/"
KGSH = Namespace("https://w3id.org/kgtool/def/shapes/")
OA = Namespace("http://www.w3.org/ns/oa#")

PROLOGUE = """
BASE <https://w3id.org/kgtool/id/>
PREFIX kg: <https://w3id.org/kgtool/def/>
PREFIX kgunit: <https://w3id.org/kgtool/def/unit/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX unit: <http://qudt.org/vocab/unit/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX void: <http://rdfs.org/ns/void#>
"""

V, W = "Violation", "Warning"
# (focus node relative to ID, source shape local name, constraint component local name, severity)
Expect = tuple[str, str, str, str]


def zh_label_gone(node: str, prop: str = "skos:prefLabel") -> str:
    return f'DELETE {{ <{node}> {prop} ?l }} WHERE {{ <{node}> {prop} ?l FILTER (lang(?l) = "zh-Hans") }}'


def en_label_gone(node: str, prop: str = "skos:prefLabel") -> str:
    return f'DELETE {{ <{node}> {prop} ?l }} WHERE {{ <{node}> {prop} ?l FILTER (lang(?l) = "en") }}'


def drop(node: str, prop: str) -> str:
    return f"DELETE WHERE {{ <{node}> {prop} ?o }}"


def replace(node: str, prop: str, value: str) -> str:
    return f"DELETE {{ <{node}> {prop} ?o }} INSERT {{ <{node}> {prop} {value} }} WHERE {{ OPTIONAL {{ <{node}> {prop} ?o }} }}"


def add(node: str, prop: str, value: str) -> str:
    return f"INSERT DATA {{ <{node}> {prop} {value} }}"


@dataclass(frozen=True)
class Case:
    id: str
    file: str              # tests/cases/{file}.ttl
    update: str            # SPARQL Update making the broken copy
    expect: tuple[Expect, ...]   # exactly these results (empty: the mutation must be accepted)
    node_shape: str = ""   # the node shape the case exercises (for the coverage check)


# --- one broken copy per case ------------------------------------------------------------------

CASES = [
    # places
    Case("place-zh-label", "places", zh_label_gone("place/松江区"),
         (("place/松江区", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),), "PlaceShape"),
    Case("division-code-with-spaces", "places", replace("place/松江区", "kg:divisionCode", '"31 01 17"'),
         # (kg:divisionCode is a sub-property of skos:notation, but no inference: only its own shape)
         (("place/松江区", "AdministrativeDivisionShape-divisionCode", "PatternConstraintComponent", V),),
         "AdministrativeDivisionShape"),
    Case("place-without-provenance", "places", drop("place/松江新城", "prov:wasDerivedFrom"),
         (("place/松江新城", "FactProvenanceShape-wasDerivedFrom", "MinCountConstraintComponent", V),),
         "FactProvenanceShape"),
    # organisations, people, posts, groups, statements, goals
    Case("org-zh-label", "organisations", zh_label_gone("org/东华大学"),
         (("org/东华大学", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),), "OrganizationShape"),
    Case("credit-code-bad-alphabet", "organisations", replace("org/繁枫新能源", "kg:creditCode", '"91310117MA1J3K5L7I"'),
         (("org/繁枫新能源", "EnterpriseShape-creditCode", "PatternConstraintComponent", V),), "EnterpriseShape"),
    Case("credit-code-check-character", "organisations",
         replace("org/繁枫新能源", "kg:creditCode", '"91310117MA1J3K5L7M"'),
         (("org/繁枫新能源", "CreditCodeShape", "SPARQLConstraintComponent", V),), "CreditCodeShape"),
    Case("post-without-organisation", "organisations", drop("post/松江区经委相关负责人", "org:postIn"),
         (("post/松江区经委相关负责人", "PostShape-postIn", "MinCountConstraintComponent", V),), "PostShape"),
    Case("person-zh-name", "organisations", zh_label_gone("person/王华杰", "foaf:name"),
         (("person/王华杰", "name-zh", "QualifiedMinCountConstraintComponent", V),), "PersonShape"),
    Case("group-member-kind-literal", "organisations", replace("group/g01", "kg:memberKind", '"企业"@zh-Hans'),
         (("group/g01", "GroupShape-memberKind", "NodeConstraintComponent", V),
          ("group/g01", "GroupShape-memberKind", "NodeKindConstraintComponent", V)), "GroupShape"),
    Case("statement-speaker-is-a-place", "organisations", replace("statement/s02", "kg:speaker", "<place/松江区>"),
         (("statement/s02", "StatementShape-speaker", "OrConstraintComponent", V),), "StatementShape"),
    Case("goal-without-place", "organisations", drop("goal/先进制造业发展集聚区", "kg:goalOf"),
         (("goal/先进制造业发展集聚区", "DevelopmentGoalShape-goalOf", "MinCountConstraintComponent", V),),
         "DevelopmentGoalShape"),
    # industries
    Case("tier-literal", "industries", replace("industry/新一代信息技术", "kg:tier", '"主导产业"@zh-Hans'),
         (("industry/新一代信息技术", "IndustryShape-tier", "NodeConstraintComponent", V),
          ("industry/新一代信息技术", "IndustryShape-tier", "NodeKindConstraintComponent", V)), "IndustryShape"),
    Case("concept-in-no-scheme-warns", "industries", drop("concept/千亿级", "skos:inScheme"),
         (("concept/千亿级", "ConceptShape-inScheme-present", "MinCountConstraintComponent", W),), "ConceptShape"),
    Case("concept-without-provenance", "industries", drop("concept/主导产业", "prov:wasDerivedFrom"),
         (("concept/主导产业", "ConceptProvenanceShape", "OrConstraintComponent", V),), "ConceptProvenanceShape"),
    Case("concept-derived-from-a-dataset-is-fine", "industries",
         replace("concept/主导产业", "prov:wasDerivedFrom", "<dataset/gbt4754-2017>"), (), "ConceptProvenanceShape"),
    Case("concept-derived-from-neither-span-nor-dataset", "industries",
         replace("concept/主导产业", "prov:wasDerivedFrom", "<scheme/产业层级>"),
         (("concept/主导产业", "ConceptProvenanceShape", "OrConstraintComponent", V),), "ConceptProvenanceShape"),
    Case("concept-en-label-warns", "industries", en_label_gone("concept/千亿级"),
         (("concept/千亿级", "ConceptEnglishLabelShape", "OrConstraintComponent", W),), "ConceptEnglishLabelShape"),
    # reference records (tests/cases/industries.ttl has one: scheme/gbt4754-2017/C) carry only
    # their publisher's names: a record citing a void:Dataset needs no en label and no span ...
    Case("reference-record-without-en-label-is-fine", "industries",
         'INSERT DATA { <scheme/gbt4754-2017/40> a skos:Concept ; skos:prefLabel "仪器仪表制造业"@zh-Hans ; '
         'skos:notation "40" ; skos:inScheme <scheme/gbt4754-2017> ; skos:broader <scheme/gbt4754-2017/C> ; '
         'prov:wasDerivedFrom <dataset/gbt4754-2017> }', (), "ConceptEnglishLabelShape"),
    # ... but only while it cites a dataset: cited to something else it needs both
    Case("reference-record-derived-from-a-non-dataset", "industries",
         replace("scheme/gbt4754-2017/C", "prov:wasDerivedFrom", "<scheme/gbt4754-2017>"),
         (("scheme/gbt4754-2017/C", "ConceptProvenanceShape", "OrConstraintComponent", V),
          ("scheme/gbt4754-2017/C", "ConceptEnglishLabelShape", "OrConstraintComponent", W)),
         "ConceptEnglishLabelShape"),
    Case("scheme-zh-label", "industries", zh_label_gone("scheme/产业层级"),
         (("scheme/产业层级", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),), "ConceptSchemeShape"),
    Case("group-names-more-members-than-counted", "industries",
         add("group/三大先导产业", "skos:member",
             "<industry/智能终端> , <industry/仪器仪表> , <industry/脑科学> , <industry/先进材料>"),
         (("group/三大先导产业", "IndustryGroupShape", "SPARQLConstraintComponent", V),), "IndustryGroupShape"),
    # statistics, units, time
    Case("observation-without-unit", "statistics", drop("observation/o01", "sdmx-attribute:unitMeasure"),
         (("observation/o01", "ObservationShape-unit", "MinCountConstraintComponent", V),), "ObservationShape"),
    Case("observation-without-period-warns", "statistics", drop("observation/o02", "sdmx-dimension:refPeriod"),
         (("observation/o02", "ObservationShape-refPeriod", "OrConstraintComponent", W),),
         "ObservationShape-refPeriod"),
    Case("observation-without-period-but-entity-is-fine", "statistics",
         add("observation/o03", "kg:dateWording", '"今年"@zh-Hans'), (), "ObservationShape-refPeriod"),
    Case("observation-without-area-warns", "statistics", drop("observation/o01", "sdmx-dimension:refArea"),
         (("observation/o01", "ObservationShape-refArea", "OrConstraintComponent", W),), "ObservationShape-refArea"),
    Case("approximation-without-wording", "statistics", drop("observation/o03", "kg:reportedValue"),
         (("observation/o03", "ObservationShape-approximation", "OrConstraintComponent", V),),
         "ObservationShape-approximation"),
    Case("rank-without-scope", "statistics", drop("observation/o01", "kg:rankScope"),
         (("observation/o01", "ObservationShape-rankNeedsScope", "OrConstraintComponent", V),),
         "ObservationShape-rankNeedsScope"),
    Case("dataset-zh-label", "statistics", zh_label_gone("dataset/songjiang-article-statistics"),
         (("dataset/songjiang-article-statistics", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),),
         "DataSetShape"),
    Case("unit-without-labels", "statistics",
         "INSERT DATA { kgunit:Wan a qudt:Unit ; rdfs:label \"万元\"@zh-Hans ; qudt:scalingOf <concept/同比> }",
         (("https://w3id.org/kgtool/def/unit/Wan", "label-en", "QualifiedMinCountConstraintComponent", W),
          ("https://w3id.org/kgtool/def/unit/Wan", "UnitShape-scalingOf", "ClassConstraintComponent", V)),
         "UnitShape"),
    Case("period-ends-before-it-begins", "statistics",
         "DELETE { <period/2024> time:hasBeginning ?b ; time:hasEnd ?e } "
         "INSERT { <period/2024> time:hasBeginning ?e ; time:hasEnd ?b } "
         "WHERE { <period/2024> time:hasBeginning ?b ; time:hasEnd ?e }",
         (("period/2024", "IntervalShape", "SPARQLConstraintComponent", V),), "IntervalShape"),
    Case("instant-date-as-string", "statistics", replace("instant/2024-01-01", "time:inXSDDate", '"2024-01-01"'),
         (("instant/2024-01-01", "InstantShape-inXSDDate", "DatatypeConstraintComponent", V),), "InstantShape"),
    Case("built-dataset-zh-label", "statistics", zh_label_gone("dataset/songjiang", "rdfs:label"),
         (("dataset/songjiang", "label-zh", "QualifiedMinCountConstraintComponent", V),), "DatasetShape"),
    # events, documents, policies, projects, approvals, matchings, images
    Case("event-zh-label", "events-policies", zh_label_gone("event/DemoWorld"),
         (("event/DemoWorld", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),), "EventShape"),
    Case("plenary-without-convener", "events-policies", drop("event/2025-07-22-全体会议", "kg:convenedBy"),
         (("event/2025-07-22-全体会议", "PlenarySessionShape-convenedBy", "MinCountConstraintComponent", V),),
         "PlenarySessionShape"),
    Case("document-zh-title", "events-policies", zh_label_gone("document/意见", "eli:title"),
         (("document/意见", "PolicyDocumentShape-title-zh", "QualifiedMinCountConstraintComponent", V),),
         "PolicyDocumentShape"),
    Case("policy-zh-label", "events-policies", zh_label_gone("policy/一揽子政策"),
         (("policy/一揽子政策", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),), "PolicyShape"),
    Case("project-zh-label", "events-policies", zh_label_gone("project/君屹智能制造示范基地"),
         (("project/君屹智能制造示范基地", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V),),
         "InvestmentProjectShape"),
    Case("approval-of-an-enterprise", "events-policies", replace("project/a01", "kg:approvedProject", "<org/繁枫新能源>"),
         (("project/a01", "ApprovalShape-approvedProject", "ClassConstraintComponent", V),), "ApprovalShape"),
    Case("matching-enterprise-is-a-place", "events-policies",
         replace("project/m01", "kg:matchedEnterprise", "<place/洞泾镇>"),
         (("project/m01", "ProjectMatchingShape-matchedEnterprise", "NodeConstraintComponent", V),),
         "ProjectMatchingShape"),
    Case("image-location-is-an-org", "events-policies",
         replace("document/b01", "schema:contentLocation", "<org/融媒体中心>"),
         (("document/b01", "ImageShape-contentLocation", "NodeConstraintComponent", V),), "ImageShape"),
    # spans and the source document
    Case("quote-off-by-one-character", "places", replace("span/0-3/quote", "oa:exact", '"松江市"'),
         (("source/case", "SourceShape", "SPARQLConstraintComponent", V),), "SourceShape"),
    Case("start-moved", "places", replace("span/0-3/position", "oa:start", '"1"^^xsd:nonNegativeInteger'),
         (("source/case", "SourceShape", "SPARQLConstraintComponent", V),), "SourceShape"),
    Case("start-not-before-end", "places", replace("span/0-3/position", "oa:start", '"3"^^xsd:nonNegativeInteger'),
         (("span/0-3/position", "PositionSelectorShape-start", "LessThanConstraintComponent", V),
          ("source/case", "SourceShape", "SPARQLConstraintComponent", V)), "PositionSelectorShape"),
    Case("span-without-position", "places",
         "DELETE WHERE { <span/0-3> oa:hasSelector <span/0-3/position> }",
         (("span/0-3", "SpanShape-positionSelector", "QualifiedMinCountConstraintComponent", V),), "SpanShape"),
    Case("quote-without-exact", "places", drop("span/0-3/quote", "oa:exact"),
         (("span/0-3/quote", "QuoteSelectorShape-exact", "MinCountConstraintComponent", V),), "QuoteSelectorShape"),
    Case("source-text-altered", "places", replace("source/case", "schema:text", '"松江区打造先进制造业发展集聚区!"'),
         (("source/case", "SourceShape", "SPARQLConstraintComponent", V),), "SourceShape"),
    Case("source-without-text", "places", drop("source/case", "schema:text"),
         (("source/case", "SourceShape-text", "MinCountConstraintComponent", V),), "SourceShape"),
]

# --- the remaining property shapes: one copy per file, many mutations on distinct nodes --------

BATCHES = {
    "places": (
        [replace("place/工业区", "schema:foundingDate", '"1992年"@zh-Hans'),
         replace("place/航空前置货站", "kg:distinction", '"上海首个"'),
         add("place/大阪", "skos:prefLabel", '"大阪市"@zh-Hans'),
         add("span/0-3", "oa:hasSelector", "<span/0-3/quote2>") + " ; " +
         add("span/0-3/quote2", "a", "oa:TextQuoteSelector"),
         replace("span/0-3/position", "oa:end", '"3"^^xsd:integer')],
        [("place/工业区", "PlaceShape-foundingDate", "OrConstraintComponent", V),
         ("place/航空前置货站", "PlaceShape-distinction", "DatatypeConstraintComponent", V),
         ("place/大阪", "prefLabel-lang", "UniqueLangConstraintComponent", V),
         ("span/0-3", "SpanShape-quoteSelector", "QualifiedMaxCountConstraintComponent", V),
         ("span/0-3/quote2", "QuoteSelectorShape-exact", "MinCountConstraintComponent", V),
         ("span/0-3/position", "PositionSelectorShape-end", "DatatypeConstraintComponent", V)],
    ),
    "organisations": (
        [replace("org/松江区委", "kg:jurisdiction", "<org/松江区经委>"),
         replace("statement/s01", "kg:statedAt", "<place/松江区>"),
         add("statement/s02", "kg:about", '"松江"'),
         replace("goal/先进制造业发展集聚区", "kg:setBy", "<concept/绿色工厂企业>"),
         replace("org/繁枫新能源", "schema:location", "<org/松江区经委>"),
         add("person/王华杰", "foaf:name", '"Wang"@en'),
         'INSERT DATA { <person/作者> foaf:name "作者"@ja }',
         en_label_gone("person/作者", "foaf:name")],
        [("org/松江区委", "OrganizationShape-jurisdiction", "NodeConstraintComponent", V),
         ("statement/s01", "StatementShape-statedAt", "NodeConstraintComponent", V),
         ("statement/s02", "StatementShape-about", "NodeKindConstraintComponent", V),
         ("goal/先进制造业发展集聚区", "DevelopmentGoalShape-setBy", "OrConstraintComponent", V),
         ("org/繁枫新能源", "OrganizationShape-location", "NodeConstraintComponent", V),
         ("person/王华杰", "name-lang", "UniqueLangConstraintComponent", V),
         ("person/作者", "name-lang", "LanguageInConstraintComponent", V),
         ("person/作者", "name-en", "QualifiedMinCountConstraintComponent", W)],
    ),
    "industries": (
        [add("industry/高端装备", "kg:representedBy", "<concept/主导产业>"),
         add("industry/生命健康", "kg:focusField", "<place/科技影都>"),
         add("industry/先进材料", "kg:reliesOn", "<concept/千亿级>"),
         add("industry/智能终端", "kg:scaleClass", '"千亿级"'),
         add("concept/特色产业", "skos:inScheme", "<concept/主导产业>"),
         add("concept/特色产业", "skos:topConceptOf", "<place/科技影都>"),
         add("scheme/2+4现代化产业体系", "skos:hasTopConcept", "<place/科技影都>"),
         replace("group/三大先导产业", "kg:memberCount", "0"),
         add("group/三大先导产业", "skos:member", "<place/科技影都>"),
         en_label_gone("industry/脑科学")],
        [("industry/高端装备", "IndustryShape-representedBy", "ClassConstraintComponent", V),
         ("industry/生命健康", "IndustryShape-focusField", "ClassConstraintComponent", V),
         ("industry/先进材料", "IndustryShape-reliesOn", "OrConstraintComponent", V),
         ("industry/智能终端", "IndustryShape-scaleClass", "NodeConstraintComponent", V),
         ("industry/智能终端", "IndustryShape-scaleClass", "NodeKindConstraintComponent", V),
         ("concept/特色产业", "ConceptShape-inScheme", "ClassConstraintComponent", V),
         ("concept/特色产业", "ConceptShape-topConceptOf", "ClassConstraintComponent", V),
         ("scheme/2+4现代化产业体系", "ConceptSchemeShape-hasTopConcept", "NodeConstraintComponent", V),
         ("group/三大先导产业", "IndustryGroupShape-memberCount", "MinInclusiveConstraintComponent", V),
         ("group/三大先导产业", "IndustryGroupShape-member", "NodeConstraintComponent", V),
         ("group/三大先导产业", "IndustryGroupShape", "SPARQLConstraintComponent", V),
         ("industry/脑科学", "ConceptEnglishLabelShape", "OrConstraintComponent", W)],
    ),
    "statistics": (
        [drop("observation/o04", "qb:dataSet"),
         replace("observation/o04", "sdmx-dimension:refArea", "<period/2024>"),
         replace("observation/o04", "sdmx-dimension:refPeriod", "<place/松江区>"),
         replace("observation/o04", "kg:reportedValue", '"one seventh"@en'),
         replace("observation/o04", "kg:dateWording", '"early March"@en'),
         replace("observation/o03", "kg:approximation", "<concept/同比>"),
         add("observation/o03", "kg:observedEntity", '"企业库"'),
         add("observation/o03", "kg:enterpriseCategory", "<place/松江区>"),
         replace("observation/o02", "kg:growthOf", "<concept/同比>"),
         replace("observation/o02", "kg:comparisonBasis", "<place/松江区>"),
         replace("observation/o01", "kg:rankScope", "<concept/同比>"),
         replace("observation/o01", "kg:consecutiveYears", '"3"'),
         drop("period/2025-03-early", "time:hasEnd"),
         drop("period/2024", "time:hasBeginning"),
         zh_label_gone("period/2024", "rdfs:label"),
         add("period/2024", "rdfs:label", '"twenty-four"@en'),
         add("dataset/songjiang", "kg:sourceHash", '"0f0f"'),
         "INSERT DATA { kgunit:Qian a qudt:Unit ; rdfs:label \"千元\"@zh-Hans , \"thousand yuan\"@en ; "
         "qudt:conversionMultiplier \"1000\" }"],
        [("observation/o04", "ObservationShape-dataSet", "MinCountConstraintComponent", V),
         ("observation/o04", "ObservationShape-refArea-class", "NodeConstraintComponent", V),
         ("observation/o04", "ObservationShape-refPeriod-class", "NodeConstraintComponent", V),
         ("observation/o04", "ObservationShape-reportedValue", "LanguageInConstraintComponent", V),
         ("observation/o04", "dateWording", "LanguageInConstraintComponent", V),
         ("observation/o03", "ObservationShape-approximation-value", "InConstraintComponent", V),
         ("observation/o03", "ObservationShape-observedEntity", "NodeKindConstraintComponent", V),
         ("observation/o03", "ObservationShape-enterpriseCategory", "NodeConstraintComponent", V),
         ("observation/o02", "ObservationShape-growthOf", "ClassConstraintComponent", V),
         ("observation/o02", "ObservationShape-comparisonBasis", "NodeConstraintComponent", V),
         ("observation/o01", "ObservationShape-rankScope", "NodeConstraintComponent", V),
         ("observation/o01", "ObservationShape-consecutiveYears", "DatatypeConstraintComponent", V),
         ("observation/o01", "ObservationShape-consecutiveYears", "MinInclusiveConstraintComponent", V),
         ("period/2025-03-early", "IntervalShape-hasEnd", "MinCountConstraintComponent", V),
         ("period/2024", "IntervalShape-hasBeginning", "MinCountConstraintComponent", V),
         ("period/2024", "label-zh", "QualifiedMinCountConstraintComponent", V),
         ("period/2024", "label-lang", "UniqueLangConstraintComponent", V),
         ("dataset/songjiang", "DatasetShape-sourceHash", "MaxCountConstraintComponent", V),
         ("https://w3id.org/kgtool/def/unit/Qian", "UnitShape-conversionMultiplier", "OrConstraintComponent", V)],
    ),
    "events-policies": (
        [replace("event/DemoWorld", "time:hasTime", '"7月"@zh-Hans'),
         replace("event/DemoWorld", "kg:duration", '"两天"@zh-Hans'),
         replace("event/DemoWorld", "kg:editionsHeld", "0"),
         replace("event/上海之帆大阪站", "kg:firstAppearance", '"是"'),
         replace("event/上海之帆大阪站", "schema:organizer", "<place/大阪>"),
         replace("event/上海之帆大阪站", "schema:superEvent", "<place/大阪>"),
         replace("event/2025-07-22-全体会议", "kg:termNumber", '"六"'),
         replace("event/2025-07-22-全体会议", "kg:sessionNumber", '"9"^^xsd:decimal'),
         drop("document/意见", "eli:type_document"),
         replace("document/意见", "eli:date_document", '"2025"^^xsd:gYear'),
         replace("document/意见", "kg:adoptedAt", "<event/DemoWorld>"),
         replace("document/意见", "eli:is_about", "<place/松江区>"),
         en_label_gone("document/意见", "eli:title"),
         'INSERT DATA { <document/意见> eli:title "意见" }',
         replace("policy/项目流转与财力共享机制", "kg:rule", '"项目落在哪"'),
         replace("policy/项目流转与财力共享机制", "kg:appliesTo", '"全区"@zh-Hans'),
         replace("project/a01", "kg:permitCount", '"三"'),
         replace("project/m01", "kg:reportedBy", "<concept/意见>"),
         replace("project/m01", "kg:coordinatedBy", "<place/洞泾镇>"),
         drop("project/m01", "kg:matchedTo"),
         replace("project/m01", "kg:underMechanism", "<org/松江区委>"),
         replace("project/m01", "kg:originalPlan", '"外迁"'),
         replace("document/b01", "schema:provider", "<place/松江区>")],
        [("event/DemoWorld", "hasTime", "NodeConstraintComponent", V),
         ("event/DemoWorld", "hasTime", "NodeKindConstraintComponent", V),
         ("event/DemoWorld", "duration", "DatatypeConstraintComponent", V),
         ("event/DemoWorld", "EventShape-editionsHeld", "MinInclusiveConstraintComponent", V),
         ("event/上海之帆大阪站", "EventShape-firstAppearance", "DatatypeConstraintComponent", V),
         ("event/上海之帆大阪站", "EventShape-organizer", "OrConstraintComponent", V),
         ("event/上海之帆大阪站", "EventShape-superEvent", "NodeConstraintComponent", V),
         ("event/2025-07-22-全体会议", "PlenarySessionShape-termNumber", "DatatypeConstraintComponent", V),
         ("event/2025-07-22-全体会议", "PlenarySessionShape-sessionNumber", "DatatypeConstraintComponent", V),
         ("document/意见", "PolicyDocumentShape-typeDocument", "MinCountConstraintComponent", V),
         ("document/意见", "PolicyDocumentShape-dateDocument", "DatatypeConstraintComponent", V),
         ("document/意见", "PolicyDocumentShape-adoptedAt", "ClassConstraintComponent", V),
         ("document/意见", "PolicyDocumentShape-isAbout", "NodeConstraintComponent", V),
         ("document/意见", "PolicyDocumentShape-title-en", "QualifiedMinCountConstraintComponent", W),
         ("document/意见", "PolicyDocumentShape-title-lang", "DatatypeConstraintComponent", V),
         ("document/意见", "PolicyDocumentShape-title-lang", "LanguageInConstraintComponent", V),
         ("policy/项目流转与财力共享机制", "PolicyShape-rule", "DatatypeConstraintComponent", V),
         ("policy/项目流转与财力共享机制", "PolicyShape-appliesTo", "NodeKindConstraintComponent", V),
         ("project/a01", "ApprovalShape-permitCount", "DatatypeConstraintComponent", V),
         # a string cannot be compared with 1 either
         ("project/a01", "ApprovalShape-permitCount", "MinInclusiveConstraintComponent", V),
         ("event/2025-07-22-全体会议", "PlenarySessionShape-termNumber", "MinInclusiveConstraintComponent", V),
         # plain strings are not in the language list
         ("policy/项目流转与财力共享机制", "PolicyShape-rule", "LanguageInConstraintComponent", V),
         ("project/m01", "ProjectMatchingShape-originalPlan", "LanguageInConstraintComponent", V),
         ("project/m01", "ProjectMatchingShape-reportedBy", "OrConstraintComponent", V),
         ("project/m01", "ProjectMatchingShape-coordinatedBy", "NodeConstraintComponent", V),
         ("project/m01", "ProjectMatchingShape-matchedTo", "MinCountConstraintComponent", V),
         ("project/m01", "ProjectMatchingShape-underMechanism", "NodeConstraintComponent", V),
         ("project/m01", "ProjectMatchingShape-originalPlan", "DatatypeConstraintComponent", V),
         ("document/b01", "ImageShape-provider", "OrConstraintComponent", V)],
    ),
}

# Source-document shapes not reached above, on a copy of the places case.
BATCHES["places"][0].extend([
    add("span/0-3/quote", "kg:cleanQuote", '"松江" , "松江区 "'),
    add("span/0-3/quote", "oa:prefix", '"a" , "b"'),
    add("span/0-3/quote", "oa:suffix", '"c" , "d"'),
    replace("source/case", "kg:contentSha256", '"BB392F2DCCD9E0777CA0AC294198CFC0995C0512802F7EB258D7E881E5B4AD58"'),
    zh_label_gone("source/case", "dct:title"),
    replace("source/case", "dct:creator", "<place/松江区>"),
    drop("source/case", "dct:language"),
    "DELETE WHERE { <span/0-3> oa:hasSource ?s } ; INSERT DATA { <span/0-3> oa:hasSource <place/松江区> }",
])
BATCHES["places"][1].extend([
    ("span/0-3/quote", "QuoteSelectorShape-cleanQuote", "MaxCountConstraintComponent", V),
    ("span/0-3/quote", "QuoteSelectorShape-prefix", "MaxCountConstraintComponent", V),
    ("span/0-3/quote", "QuoteSelectorShape-suffix", "MaxCountConstraintComponent", V),
    ("source/case", "SourceShape-contentSha256", "PatternConstraintComponent", V),
    ("source/case", "SourceShape", "SPARQLConstraintComponent", V),      # digest no longer matches
    ("source/case", "SourceShape-title", "QualifiedMinCountConstraintComponent", V),
    ("source/case", "SourceShape-creator", "ClassConstraintComponent", V),
    ("source/case", "SourceShape-language", "MinCountConstraintComponent", V),
    ("span/0-3", "SpanShape-hasSource", "ClassConstraintComponent", V),
])


BATCHES["places"][0].extend([
    # place-contained-in-non-place
    replace("place/洞泾镇", "schema:containedInPlace", "<span/0-3>"),
    # division-notation-7-digits
    add("place/九里亭街道", "skos:notation", '"3101170"'),
    # provenance-not-a-span
    replace("place/智能算力园区", "prov:wasDerivedFrom", "<place/松江区>"),
])
BATCHES["places"][1].extend([
    # place-contained-in-non-place
    ("place/洞泾镇", "PlaceShape-containedInPlace", "NodeConstraintComponent", V),
    # division-notation-7-digits
    ("place/九里亭街道", "AdministrativeDivisionShape-notation", "PatternConstraintComponent", V),
    # provenance-not-a-span
    ("place/智能算力园区", "FactProvenanceShape-wasDerivedFrom", "ClassConstraintComponent", V),
    # a plain string is neither a language-tagged string nor in the language list
    ("place/航空前置货站", "PlaceShape-distinction", "LanguageInConstraintComponent", V),
])

BATCHES["organisations"][0].extend([
    # post-held-by-organisation
    replace("post/松江区委书记", "org:heldBy", "<org/松江区委>"),
    # person-holds-organisation
    replace("person/王华杰", "org:holds", "<org/松江区委>"),
    # statement-without-speaker
    drop("statement/s01", "kg:speaker"),
])
BATCHES["organisations"][1].extend([
    # post-held-by-organisation
    ("post/松江区委书记", "PostShape-heldBy", "ClassConstraintComponent", V),
    # person-holds-organisation
    ("person/王华杰", "PersonShape-holds", "ClassConstraintComponent", V),
    # statement-without-speaker
    ("statement/s01", "StatementShape-speaker", "MinCountConstraintComponent", V),
])

BATCHES["industries"][0].extend([
    # two-tiers
    add("industry/新一代信息技术", "kg:tier", "<concept/特色产业>"),
    # led-by-non-industry
    add("industry/新一代信息技术", "kg:ledBy", "<concept/千亿级>"),
    # concept-broader-place
    replace("industry/智能终端", "skos:broader", "<place/科技影都>"),
    # industry-without-provenance
    drop("industry/脑科学", "prov:wasDerivedFrom"),
])
BATCHES["industries"][1].extend([
    # two-tiers
    ("industry/新一代信息技术", "IndustryShape-tier", "MaxCountConstraintComponent", V),
    # led-by-non-industry
    ("industry/新一代信息技术", "IndustryShape-ledBy", "ClassConstraintComponent", V),
    # concept-broader-place
    ("industry/智能终端", "ConceptShape-broader", "NodeConstraintComponent", V),
    # industry-without-provenance
    ("industry/脑科学", "FactProvenanceShape-wasDerivedFrom", "MinCountConstraintComponent", V),
    ("industry/脑科学", "ConceptProvenanceShape", "OrConstraintComponent", V),
])

BATCHES["statistics"][0].extend([
    # observation-value-string
    replace("observation/o01", "sdmx-measure:obsValue", '"3726.3"'),
    # observation-without-indicator
    drop("observation/o02", "kg:indicator"),
    # rank-zero
    replace("observation/o01", "kg:rank", "0"),
])
BATCHES["statistics"][1].extend([
    # observation-value-string
    ("observation/o01", "ObservationShape-value", "OrConstraintComponent", V),
    # observation-without-indicator
    ("observation/o02", "ObservationShape-indicator", "MinCountConstraintComponent", V),
    # rank-zero
    ("observation/o01", "ObservationShape-rank", "MinInclusiveConstraintComponent", V),
])

BATCHES["events-policies"][0].extend([
    # attendee-is-a-concept
    add("event/上海之帆大阪站", "schema:attendee", "<concept/意见>"),
])
BATCHES["events-policies"][1].extend([
    # attendee-is-a-concept
    ("event/上海之帆大阪站", "EventShape-attendee", "OrConstraintComponent", V),
])

# moved from CASES: their node shapes have an isolated case already
BATCHES["places"][0].append(en_label_gone("place/长三角"))
BATCHES["places"][1].append(("place/长三角", "prefLabel-en", "QualifiedMinCountConstraintComponent", W))
BATCHES["organisations"][0].append(replace("org/东华大学重点实验室", "org:subOrganizationOf", "<place/松江区>"))
BATCHES["organisations"][1].append(
    ("org/东华大学重点实验室", "OrganizationShape-subOrganizationOf", "NodeConstraintComponent", V))
BATCHES["statistics"][0].append(replace("observation/o02", "sdmx-attribute:unitMeasure", "<concept/同比>"))
BATCHES["statistics"][1].append(("observation/o02", "ObservationShape-unit", "ClassConstraintComponent", V))
BATCHES["events-policies"][0].append(replace("document/意见", "eli:passed_by", "<event/2025-07-22-全体会议>"))
BATCHES["events-policies"][1].append(("document/意见", "PolicyDocumentShape-passedBy", "NodeConstraintComponent", V))

# --- the real built graph -----------------------------------------------------------------------

def real_mutations(g: Graph) -> tuple[list[str], set[tuple[str, str, str, str, str]]]:
    """SPARQL updates breaking the built graph at distinct nodes, and exactly what they must cause.

    Expected results are (focus, shape, component, severity, value-or-empty)."""
    q = lambda text: [tuple(r) for r in g.query(PROLOGUE + text)]  # noqa: E731
    (obs,), = q("SELECT ?o WHERE { ?o sdmx-measure:obsValue 3726.3 ; sdmx-attribute:unitMeasure ?u }")
    spans = sorted(s for s, in q("SELECT ?s WHERE { ?s a oa:SpecificResource }"))
    assert len(spans) > 100
    span_a, span_b = spans[0], spans[-1]
    (exact_a,), = q(f"SELECT ?e WHERE {{ <{span_a}> oa:hasSelector/oa:exact ?e }}")
    (pos_b, start_b), = q(f"SELECT ?p ?s WHERE {{ <{span_b}> oa:hasSelector ?p . ?p oa:start ?s }}")
    (source,), = q(f"SELECT ?src WHERE {{ <{span_a}> oa:hasSource ?src }}")
    changed = ("松" if str(exact_a)[-1] != "松" else "江")
    updates = [
        zh_label_gone(ID + "place/松江区"),
        f'DELETE {{ ?q oa:exact ?e }} INSERT {{ ?q oa:exact {Literal(str(exact_a)[:-1] + changed).n3()} }} '
        f'WHERE {{ <{span_a}> oa:hasSelector ?q . ?q oa:exact ?e }}',
        replace(str(pos_b), "oa:start",
                Literal(str(int(start_b) + 1), datatype=XSD.nonNegativeInteger).n3()),
        drop(str(obs), "sdmx-attribute:unitMeasure"),
        replace(ID + "industry/新一代信息技术", "kg:tier", '"主导产业"@zh-Hans'),
        drop(ID + "person/陈吉宁", "prov:wasDerivedFrom"),
    ]
    expected = {
        (ID + "place/松江区", "prefLabel-zh", "QualifiedMinCountConstraintComponent", V, ""),
        (str(source), "SourceShape", "SPARQLConstraintComponent", V, str(span_a)),
        (str(source), "SourceShape", "SPARQLConstraintComponent", V, str(span_b)),
        (str(obs), "ObservationShape-unit", "MinCountConstraintComponent", V, ""),
        (ID + "industry/新一代信息技术", "IndustryShape-tier", "NodeConstraintComponent", V, '"主导产业"@zh-Hans'),
        (ID + "industry/新一代信息技术", "IndustryShape-tier", "NodeKindConstraintComponent", V, '"主导产业"@zh-Hans'),
        (ID + "person/陈吉宁", "FactProvenanceShape-wasDerivedFrom", "MinCountConstraintComponent", V, ""),
    }
    return updates, expected


# --- running validations (in a small process pool, once per session) ---------------------------

_SHAPES: Graph | None = None
_ONTO: Graph | None = None
Result = tuple[str, str, str, str, str]   # focus, source shape, component, severity, value (n3)


def _init_worker() -> None:
    global _SHAPES, _ONTO
    _SHAPES = Graph().parse(SHAPES)
    _ONTO = Graph().parse(ONTOLOGY)


def _short(term: object, base: str) -> str:
    text = str(term)
    return text[len(base):] if text.startswith(base) else text


def report(results: Graph) -> list[Result]:
    """The report's own results (sh:result), not pySHACL's nested sh:detail ones."""
    out = []
    for r in results.objects(None, SH.result):
        value = results.value(r, SH.value)
        out.append((
            _short(results.value(r, SH.focusNode), ID),
            _short(results.value(r, SH.sourceShape), str(KGSH)),
            _short(results.value(r, SH.sourceConstraintComponent), str(SH)),
            _short(results.value(r, SH.resultSeverity), str(SH)),
            value.n3() if isinstance(value, Literal) else ("" if value is None else str(value)),
        ))
    return sorted(set(out))


def kgtool_report(g: Graph) -> list[Result]:
    """kgtool's own engine (shapes compiled to SPARQL on pyoxigraph) on the same graph."""
    import pyoxigraph as ox

    from kgtool.shacl import ShapesGraph, from_rdflib, validate_store
    from kgtool.shacl.data import restore

    store = ox.Store()
    store.extend(from_rdflib(g))
    out = []
    for r in validate_store(store, ShapesGraph.from_files([SHAPES])):
        value = r.value
        if isinstance(value, ox.Literal):
            v = restore(value)
            if v.language:
                lit = Literal(v.value, lang=v.language)
            elif v.datatype == ox.NamedNode(str(XSD.string)):
                lit = Literal(v.value)
            else:
                lit = Literal(v.value, datatype=URIRef(v.datatype.value))
            shown = lit.n3()
        else:
            shown = "" if value is None else value.value
        out.append((_short(r.focus.value, ID), _short(r.shape.value, str(KGSH)), r.component, r.severity, shown))
    return sorted(set(out))


def validate_copy(path: str, updates: list[str]) -> tuple[list[Result], list[Result]]:
    """pySHACL (no inference, no ontology: exactly the data) and kgtool's engine on one copy."""
    import pyshacl
    if _SHAPES is None:
        _init_worker()
    g = Graph().parse(path)
    for u in updates:
        g.update(PROLOGUE + u)
    _conforms, results, _text = pyshacl.validate(
        g, shacl_graph=_SHAPES, inference="none", allow_warnings=True)
    return report(results), kgtool_report(g)


@dataclass
class Reports:
    cases: dict[str, list[Result]] = field(default_factory=dict)
    clean: dict[str, list[Result]] = field(default_factory=dict)
    batches: dict[str, list[Result]] = field(default_factory=dict)
    real_clean: list[Result] = field(default_factory=list)
    real_mutated: list[Result] = field(default_factory=list)
    real_expected: set = field(default_factory=set)
    kgtool: dict[str, tuple[list[Result], list[Result]]] = field(default_factory=dict)


def case_path(name: str) -> str:
    return str(CASES_DIR / f"{name}.ttl")


@pytest.fixture(scope="session")
def reports() -> Reports:
    real_updates, real_expected = real_mutations(built_graph())
    out = Reports(real_expected=real_expected)
    with ProcessPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), initializer=_init_worker) as pool:
        real_clean = pool.submit(validate_copy, str(BUILT), [])
        real_mutated = pool.submit(validate_copy, str(BUILT), real_updates)
        clean = {f: pool.submit(validate_copy, case_path(f), []) for f in CASE_FILES}
        cases = {c.id: pool.submit(validate_copy, case_path(c.file), [c.update]) for c in CASES}
        batches = {f: pool.submit(validate_copy, case_path(f), ups) for f, (ups, _) in BATCHES.items()}
        both = {**{f"clean:{k}": v for k, v in clean.items()}, **{f"case:{k}": v for k, v in cases.items()},
                **{f"batch:{k}": v for k, v in batches.items()},
                "real:clean": real_clean, "real:mutated": real_mutated}
        out.kgtool = {k: v.result() for k, v in both.items()}
        out.clean = {k: out.kgtool[f"clean:{k}"][0] for k in clean}
        out.cases = {k: out.kgtool[f"case:{k}"][0] for k in cases}
        out.batches = {k: out.kgtool[f"batch:{k}"][0] for k in batches}
        out.real_clean = out.kgtool["real:clean"][0]
        out.real_mutated = out.kgtool["real:mutated"][0]
    return out


def key(results: list[Result], with_value: bool = False) -> set[tuple[str, ...]]:
    return {r if with_value else r[:4] for r in results}


# --- the tests --------------------------------------------------------------------------------

CASE_FILES = sorted(p.stem for p in CASES_DIR.glob("*.ttl"))


def test_collected_cases() -> None:
    """An empty or filtered glob or table fails loudly."""
    assert CASE_FILES == ["events-policies", "industries", "organisations", "places", "statistics"]
    assert len(CASES) == 47
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(len(exp) for _, exp in BATCHES.values()) == 103
    assert all(c.file in CASE_FILES for c in CASES) and set(BATCHES) == set(CASE_FILES)


@pytest.mark.parametrize("name", CASE_FILES)
def test_case_conforms_without_warnings(reports: Reports, name: str) -> None:
    assert reports.clean[name] == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_copy_fails_as_expected(reports: Reports, case: Case) -> None:
    assert key(reports.cases[case.id]) == set(case.expect)


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_batch_of_mutations_fails_exactly_as_expected(reports: Reports, name: str) -> None:
    got = key(reports.batches[name])
    expected = set(BATCHES[name][1])
    assert got == expected, (f"missing {sorted(expected - got)}", f"unexpected {sorted(got - expected)}")


def test_kgtool_engine_reports_what_pyshacl_reports(reports: Reports) -> None:
    """On every clean case, broken copy, batch and the real graph: the same results, values
    included (kgtool's engine stores numbers canonically, so numeric literals compare by value)."""
    assert len(reports.kgtool) == len(CASE_FILES) + len(CASES) + len(BATCHES) + 2

    def norm(rows: list[Result]) -> set[Result]:
        out = set()
        for f, s, c, sev, v in rows:
            if v.startswith('"') and "^^" in v:
                lit = Graph().parse(data=f"<urn:s> <urn:p> {v} .", format="nt")
                v = repr(next(lit.objects()).toPython())
            elif v.startswith('"') and '"@' in v:      # language tags are case-insensitive
                text, _, tag = v.rpartition("@")
                v = f"{text}@{tag.lower()}"
            out.add((f, s, c, sev, v))
        return out

    differ = {k: (sorted(norm(py) - norm(kg)), sorted(norm(kg) - norm(py)))
              for k, (py, kg) in reports.kgtool.items() if norm(py) != norm(kg)}
    assert differ == {}


def test_span_proof_names_the_span(reports: Reports) -> None:
    (result,) = [r for r in reports.cases["quote-off-by-one-character"] if r[1] == "SourceShape"]
    assert result[4] == ID + "span/0-3"


def test_real_graph_has_no_violation(reports: Reports) -> None:
    violations = [r for r in reports.real_clean if r[3] == V]
    assert violations == []


def test_real_graph_mutations_fail_exactly_as_expected(reports: Reports) -> None:
    got = {r for r in reports.real_mutated if r[3] == V}
    expected = {(_short(f, ID), s, c, sev, v) for f, s, c, sev, v in reports.real_expected}
    assert got == expected, (f"missing {sorted(expected - got)}", f"unexpected {sorted(got - expected)}")
    # and the warnings are those of the clean graph
    assert {r for r in reports.real_mutated if r[3] == W} == {r for r in reports.real_clean if r[3] == W}


@functools.lru_cache(maxsize=1)
def built_graph() -> Graph:
    assert BUILT.is_file(), "graph/songjiang.ttl is missing: run `python -m kgtool build`"
    return Graph().parse(BUILT)


def _shapes_graph() -> Graph:
    return Graph().parse(SHAPES)


def test_every_shape_has_a_failing_case() -> None:
    """Every property shape, node-level constraint and SPARQL constraint is exercised."""
    sg = _shapes_graph()
    sources = set()
    for s in set(sg.subjects(RDF.type, SH.PropertyShape)):
        sources.add(_short(s, str(KGSH)))
    for s in set(sg.subjects(SH.targetClass, None)) | set(sg.subjects(SH.targetSubjectsOf, None)):
        if (s, SH["or"], None) in sg or (s, SH.sparql, None) in sg:
            sources.add(_short(s, str(KGSH)))
    covered = {e[1] for c in CASES for e in c.expect}
    covered |= {e[1] for _, exp in BATCHES.values() for e in exp}
    covered |= {e[1] for e in real_mutations(built_graph())[1]}
    assert sources - covered == set(), sorted(sources - covered)


def test_every_node_shape_has_a_case() -> None:
    sg = _shapes_graph()
    targeted = {_short(s, str(KGSH)) for s in
                set(sg.subjects(SH.targetClass, None)) | set(sg.subjects(SH.targetSubjectsOf, None))}
    assert len(targeted) > 30
    exercised = {c.node_shape for c in CASES}
    assert targeted - exercised == set(), sorted(targeted - exercised)


def test_no_sparql_reads_outside_the_graph() -> None:
    sg = _shapes_graph()
    queries = [str(q) for q in sg.objects(None, SH.select)]
    assert len(queries) == 5
    for text in queries:
        assert not any(word in text.upper().split() for word in ("SERVICE", "FROM", "LOAD")), text


# --- no inference: what RDFS used to supply is written in the shapes -----------------------------

def _subclasses(onto: Graph, cls: URIRef) -> set[URIRef]:
    from rdflib.namespace import RDFS
    return set(onto.transitive_subjects(RDFS.subClassOf, cls)) - {cls}


def test_any_class_shapes_list_every_subclass_of_the_ontology() -> None:
    """kg-sh:AnyX accepts an instance of X or of any subclass the ontology declares: exactly."""
    sg, onto = _shapes_graph(), Graph().parse(ONTOLOGY)
    any_shapes = [s for s in set(sg.subjects(RDF.type, SH.NodeShape)) if str(s).startswith(str(KGSH) + "Any")]
    assert len(any_shapes) >= 8
    for shape in any_shapes:
        classes = {sg.value(m, SH["class"]) for m in sg.items(sg.value(shape, SH["or"]))}
        base = next(c for c in classes if classes - {c} == _subclasses(onto, c))
        assert classes == {base} | _subclasses(onto, base), shape


def test_no_sh_class_needs_a_subclass_and_targets_list_them_all() -> None:
    """Without inference, `sh:class C` only sees C itself, so it is used only for classes without
    subclasses; every sh:targetClass list includes the subclasses of its classes."""
    from rdflib.namespace import RDFS
    sg, onto = _shapes_graph(), Graph().parse(ONTOLOGY)
    any_shapes = {s for s in sg.subjects(RDF.type, SH.NodeShape) if str(s).startswith(str(KGSH) + "Any")}
    inside_any = {m for s in any_shapes for m in sg.items(sg.value(s, SH["or"]))}
    for node, cls in sg.subject_objects(SH["class"]):
        if node not in inside_any:
            assert not _subclasses(onto, cls), (node, cls)
    for shape in set(sg.subjects(SH.targetClass, None)):
        targets = set(sg.objects(shape, SH.targetClass))
        for cls in list(targets):
            assert _subclasses(onto, cls) <= targets, (shape, _subclasses(onto, cls) - targets)
    assert (None, RDFS.subClassOf, None) not in built_graph(), "the data needs no class hierarchy"


def test_sparql_constraints_have_one_message_holding_both_languages() -> None:
    """Jena reads one sh:message per SPARQL constraint; it carries the zh-Hans and English text."""
    sg = _shapes_graph()
    constraints = set(sg.subjects(RDF.type, SH.SPARQLConstraint))
    assert len(constraints) == 5
    for c in constraints:
        (msg,) = sg.objects(c, SH.message)
        assert " / " in msg and any("\u4e00" <= ch <= "\u9fff" for ch in msg), c


# --- the engine on SHACL the project's shapes do not use yet (paths, datatypes, logic) ----------

ENGINE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:A a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ; sh:datatype xsd:integer ] ,
    [ sh:path [ sh:inversePath ex:r ] ; sh:maxCount 1 ] ,
    [ sh:path [ sh:alternativePath ( ex:s ex:t ) ] ; sh:minInclusive 0 ; sh:maxExclusive 10 ] ,
    [ sh:path [ sh:zeroOrMorePath ex:u ] ; sh:nodeKind sh:IRI ] ,
    [ sh:path ex:n ; sh:datatype xsd:nonNegativeInteger ; sh:lessThan ex:m ] ,
    [ sh:path ex:d ; sh:datatype xsd:dateTimeStamp ] ,
    [ sh:path ex:l ; sh:uniqueLang true ; sh:languageIn ( "en" "zh" ) ; sh:maxLength 5 ] ,
    [ sh:path ex:k ; sh:hasValue ex:yes ] ;
  sh:not [ sh:class ex:Banned ] ;
  sh:and ( [ sh:nodeKind sh:IRI ] [ sh:pattern "^http://example.org/" ] ) .
ex:B a sh:NodeShape ; sh:targetObjectsOf ex:r ; sh:targetNode ex:lonely ;
  sh:in ( ex:x1 ex:x2 ex:lonely ) .
"""

ENGINE_DATA = """
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://example.org/> .
ex:good a ex:C ; ex:p [ ex:q 5 ] ; ex:s 3 ; ex:t 9.5 ; ex:u ex:v ; ex:n "3"^^xsd:nonNegativeInteger ;
  ex:m 4 ; ex:d "2024-01-01T00:00:00Z"^^xsd:dateTimeStamp ; ex:l "a"@en , "b"@zh ; ex:k ex:yes .
ex:x1 ex:r ex:good .
ex:bad a ex:C , ex:Banned ; ex:p [ ex:q "five"^^xsd:integer ] ; ex:s -1 ; ex:t "x" ; ex:u "lit" ;
  ex:n "-3"^^xsd:nonNegativeInteger , "7"^^xsd:nonNegativeInteger ; ex:m 5 ;
  ex:l "a"@en , "b"@EN , "toolong"@zh , "c"@fr .
ex:x1 ex:r ex:bad . ex:x3 ex:r ex:bad .
ex:nothing a ex:C .
"""


def test_engine_matches_pyshacl_beyond_the_project_shapes(tmp_path: Path) -> None:
    import pyoxigraph as ox
    import pyshacl

    from kgtool.shacl import ShapesGraph, load_files, validate_store

    shapes, data = tmp_path / "s.ttl", tmp_path / "d.ttl"
    shapes.write_text(ENGINE_SHAPES, encoding="utf-8")
    data.write_text(ENGINE_DATA, encoding="utf-8")
    _c, results, _t = pyshacl.validate(Graph().parse(data), shacl_graph=Graph().parse(shapes),
                                       inference="none")
    theirs = set()
    for r in results.objects(None, SH.result):
        value = results.value(r, SH.value)
        theirs.add((str(results.value(r, SH.focusNode)),
                    _short(results.value(r, SH.sourceConstraintComponent), str(SH)),
                    str(value) if isinstance(value, URIRef) else ""))
    store = ox.Store()
    load_files(store, [data])
    ours = {(r.focus.value, r.component, r.value.value if isinstance(r.value, ox.NamedNode) else "")
            for r in validate_store(store, ShapesGraph.from_files([shapes]))}
    assert len(theirs) >= 15
    assert ours == theirs, (f"only pySHACL: {sorted(theirs - ours)}", f"only kgtool: {sorted(ours - theirs)}")
