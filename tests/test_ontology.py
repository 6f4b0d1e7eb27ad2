"""Lint of the ontology (ontology/kgtool.ttl) against its contract, its shapes and its data.

What is checked:
* the ontology header (IRI, version, licence, creator, dates, titles, preferred prefix);
* every term docs/modelling.md names exists in the ontology with exactly that IRI;
* every kg: term used in the ontology, the shapes, the curated facts or the built graph is declared;
* every declared term (ours and the reused ones we describe) has one zh-Hans and one en label and
  an English definition; ours also a zh-Hans definition and rdfs:isDefinedBy kg:;
* every class and property the data uses is described in the ontology (so the graph is
  self-describing in both languages);
* every sh:targetClass / sh:class of the shapes (shapes.ttl and shapes-links.ttl) is a declared
  class;
* every kg: datatype of a literal in the data is declared (rdfs:Datatype), and the literals match
  the xsd:pattern of its OWL 2 datatype definition;
* no misspelled term of a W3C namespace rdflib bundles a closed term list for (rdf, rdfs, owl,
  sh, skos, xsd, dct, prov, org, time, qb, foaf, dcat, schema);
* the anchors the contract prescribes (rdfs:subClassOf / rdfs:subPropertyOf);
* no rdfs:domain / rdfs:range (they would make `sh:class` checks pass vacuously under RDFS
  inference);
* every kg: term repeats its definition as rdfs:comment, in English and Chinese (for viewers);
* the ontology is consistent, with no unsatisfiable class, in the HermiT OWL reasoner (bundled with
  owlready2, in the peer venv of scripts/peers.sh; needs Java);
* docs/ontology.md is exactly what `render_tour()` makes of the ontology.

Regenerate the tour after editing the ontology:  python tests/test_ontology.py --write
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import (DCAT, DCTERMS, FOAF, ORG, OWL, PROV, QB, RDF, RDFS, SDO, SH, SKOS,
                              TIME, XSD)

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "kgtool.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
SHAPES_LINKS = ROOT / "ontology" / "shapes-links.ttl"
FACTS_DIR = ROOT / "graph" / "facts"
BUILT = ROOT / "graph" / "songjiang.ttl"
MODELLING = ROOT / "docs" / "modelling.md"
TOUR = ROOT / "docs" / "ontology.md"

KG = Namespace("https://w3id.org/kgtool/def/")
KG_SHAPES = "https://w3id.org/kgtool/def/shapes/"
VERSION_IRI = URIRef("https://w3id.org/kgtool/def/0.1.0/")
VANN = Namespace("http://purl.org/vocab/vann/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
KGUNIT = Namespace("https://w3id.org/kgtool/def/unit/")
CV = Namespace("http://data.europa.eu/m8g/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")

PREFIXES = {
    "kg": str(KG), "kgunit": str(KGUNIT), "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL),
    "xsd": str(XSD), "skos": str(SKOS), "dct": str(DCTERMS), "org": str(ORG), "cv": str(CV),
    "eli": str(ELI), "qb": str(QB),
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "qudt": str(QUDT), "unit": str(UNIT), "time": str(TIME), "prov": str(PROV),
    "oa": "http://www.w3.org/ns/oa#", "schema": str(SCHEMA), "foaf": str(FOAF), "dcat": str(DCAT),
    "sh": str(SH), "vann": str(VANN), "void": str(VOID), "sssom": str(SSSOM), "semapv": str(SEMAPV),
    "wikibase": "http://wikiba.se/ontology#",
    "vcard": "http://www.w3.org/2006/vcard/ns#", "dcatap": "http://data.europa.eu/r5r/",
}
CORE = (str(RDF), str(RDFS), str(OWL), str(XSD))   # the RDF machinery itself: not described
TERM_TYPES = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
              OWL.AnnotationProperty, RDF.Property, OWL.NamedIndividual, SKOS.Concept,
              SKOS.ConceptScheme, QUDT.Unit, RDFS.Datatype, RDF.Property, RDFS.Class}
CLASS_TYPES = {OWL.Class, RDFS.Class}
# rdflib ships closed term lists for these namespaces; a term outside the list is a misspelling.
CLOSED = [RDF, RDFS, OWL, SH, SKOS, XSD, DCTERMS, PROV, ORG, TIME, QB, FOAF, DCAT, SDO]


def curie(term: URIRef) -> str:
    best = max((p for p, ns in PREFIXES.items() if str(term).startswith(ns)),
               key=lambda p: len(PREFIXES[p]), default=None)
    return f"{best}:{str(term)[len(PREFIXES[best]):]}" if best else f"<{term}>"


def expand(text: str) -> URIRef:
    prefix, local = text.split(":", 1)
    return URIRef(PREFIXES[prefix] + local)


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph().parse(SHAPES)
    g.parse(SHAPES_LINKS)
    return g


@pytest.fixture(scope="module")
def facts() -> Graph:
    files = sorted(FACTS_DIR.glob("*.ttl"))
    assert files, f"no curated facts in {FACTS_DIR}"
    g = Graph()
    for f in files:
        g.parse(f)
    return g


@pytest.fixture(scope="module")
def built() -> Graph:
    assert BUILT.is_file(), "graph/songjiang.ttl is missing: run `python -m kgtool build`"
    return Graph().parse(BUILT)


def declared_terms(onto: Graph) -> set[URIRef]:
    return {s for s, t in onto.subject_objects(RDF.type)
            if isinstance(s, URIRef) and t in TERM_TYPES}


def our_terms(onto: Graph) -> set[URIRef]:
    return {t for t in declared_terms(onto) if str(t).startswith(str(KG)) and t != URIRef(str(KG))}


def used_terms(*graphs: Graph) -> set[URIRef]:
    """Every IRI in predicate position, and every class in rdf:type object position."""
    out = set()
    for g in graphs:
        for _s, p, o in g:
            out.add(p)
            if p == RDF.type and isinstance(o, URIRef):
                out.add(o)
    return out


def labels(g: Graph, term: URIRef, prop: URIRef = RDFS.label) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for lit in g.objects(term, prop):
        if isinstance(lit, Literal):
            out[lit.language or ""].append(str(lit))
    return out


# ---------------------------------------------------------------------------------------------
# header
# ---------------------------------------------------------------------------------------------

def test_header(onto: Graph) -> None:
    ont = URIRef(str(KG))
    assert (ont, RDF.type, OWL.Ontology) in onto
    assert onto.value(ont, OWL.versionIRI) == VERSION_IRI
    assert str(onto.value(ont, OWL.versionInfo)) == "0.1.0"
    assert onto.value(ont, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(onto.value(ont, DCTERMS.creator)) == "kgtool contributors"
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert onto.value(ont, prop) == Literal("2026-11-26", datatype=XSD.date)
    titles = labels(onto, ont, DCTERMS.title)
    assert len(titles["zh-Hans"]) == 1 and len(titles["en"]) == 1
    assert str(onto.value(ont, VANN.preferredNamespacePrefix)) == "kg"


# ---------------------------------------------------------------------------------------------
# the contract: docs/modelling.md
# ---------------------------------------------------------------------------------------------

CONTRACT_CURIE = re.compile(
    r"(?<![\w/<-])(kg|kgunit|org|cv|eli|qb|sdmx-dimension|sdmx-attribute|sdmx-measure|qudt|unit|"
    r"time|prov|oa|schema|foaf|skos|dct):([A-Za-z][A-Za-z0-9_]*)")


# Terms the contract mentions only to rule them out.
NOT_USED = {"time:hasDuration"}   # "durations with `time:hasDuration`-free kg:duration"


def contract_terms() -> list[str]:
    text = MODELLING.read_text(encoding="utf-8")
    return sorted({f"{m.group(1)}:{m.group(2)}" for m in CONTRACT_CURIE.finditer(text)} - NOT_USED)


def test_contract_names_enough_terms() -> None:
    """Guard the regex: the contract names far more than 100 terms."""
    assert len(contract_terms()) > 100


@pytest.mark.parametrize("term", contract_terms())
def test_contract_term_is_declared(onto: Graph, term: str) -> None:
    iri = expand(term)
    assert iri in declared_terms(onto), f"docs/modelling.md names {term}, the ontology lacks it"


# ---------------------------------------------------------------------------------------------
# declarations, labels, definitions
# ---------------------------------------------------------------------------------------------

def test_every_kg_term_used_is_declared(onto: Graph, shapes: Graph, facts: Graph,
                                        built: Graph) -> None:
    declared = declared_terms(onto)
    missing = set()
    for name, g in (("ontology", onto), ("shapes", shapes), ("facts", facts), ("built", built)):
        for triple in g:
            for t in triple:
                if (isinstance(t, URIRef) and str(t).startswith(str(KG)) and t not in declared
                        and t not in (URIRef(str(KG)), VERSION_IRI)
                        and not str(t).startswith(KG_SHAPES)):
                    missing.add(f"{name}: {curie(t)}")
                if (isinstance(t, Literal) and t.datatype is not None
                        and str(t.datatype).startswith(str(KG))
                        and (t.datatype, RDF.type, RDFS.Datatype) not in onto):
                    missing.add(f"{name}: datatype {curie(t.datatype)}")
    assert not missing, sorted(missing)


def test_every_term_has_labels_and_definition(onto: Graph) -> None:
    terms = declared_terms(onto)
    assert len(terms) > 150
    problems = []
    for t in sorted(terms):
        lab = labels(onto, t)
        if len(lab["zh-Hans"]) != 1 or len(lab["en"]) != 1:
            problems.append(f"{curie(t)}: labels {dict(lab)}")
        if not labels(onto, t, SKOS.definition)["en"]:
            problems.append(f"{curie(t)}: no skos:definition@en")
        if onto.value(t, RDFS.isDefinedBy) is None:
            problems.append(f"{curie(t)}: no rdfs:isDefinedBy")
    assert not problems, problems


def test_our_terms_are_fully_described(onto: Graph) -> None:
    ours = our_terms(onto)
    assert len(ours) > 80
    problems = [curie(t) for t in sorted(ours)
                if onto.value(t, RDFS.isDefinedBy) != URIRef(str(KG))
                or len(labels(onto, t, SKOS.definition)["zh-Hans"]) != 1]
    assert not problems, f"need rdfs:isDefinedBy kg: and one skos:definition@zh-Hans: {problems}"


def test_data_vocabulary_is_described(onto: Graph, facts: Graph, built: Graph) -> None:
    """Every class and property the facts or the built graph use has labels in the ontology."""
    declared = declared_terms(onto)
    missing = sorted(curie(t) for t in used_terms(facts, built)
                     if not str(t).startswith(CORE) and t not in declared)
    assert not missing, missing


def test_shape_classes_are_declared_classes(onto: Graph, shapes: Graph) -> None:
    classes = {s for s, t in onto.subject_objects(RDF.type) if t in CLASS_TYPES}
    used = set(shapes.objects(None, SH.targetClass)) | set(shapes.objects(None, SH["class"]))
    assert len(used) > 40
    missing = sorted(curie(c) for c in used if c not in classes)
    assert not missing, missing


def test_no_misspelled_w3c_terms(onto: Graph, shapes: Graph, facts: Graph, built: Graph) -> None:
    used = {t for g in (onto, shapes, facts, built) for triple in g for t in triple
            if isinstance(t, URIRef)}
    bad = []
    for ns in CLOSED:
        base = str(ns._NS)
        known = {base + n for n in set(getattr(ns, "__annotations__", {})) | set(getattr(ns, "_extras", []))}
        assert len(known) > 10, f"rdflib's {ns.__name__} term list looks empty"
        bad += [str(t) for t in used if str(t).startswith(base) and str(t) != base and str(t) not in known]
    assert not bad, sorted(bad)


def test_lint_catches_a_misspelling() -> None:
    """The closed-list check above really rejects a classic slip (org:subOrganzationOf)."""
    known = set(ORG.__annotations__)
    assert "subOrganizationOf" in known and "subOrganzationOf" not in known
    assert "subClassOf" in set(RDFS.__annotations__) and "subClasOf" not in set(RDFS.__annotations__)


# ---------------------------------------------------------------------------------------------
# axioms
# ---------------------------------------------------------------------------------------------

ANCHORS = [
    # docs/modelling.md section 3, and the restated axioms sh:class relies on
    ("kg:Municipality", "rdfs:subClassOf", "kg:AdministrativeDivision"),
    ("kg:District", "rdfs:subClassOf", "kg:AdministrativeDivision"),
    ("kg:Subdistrict", "rdfs:subClassOf", "kg:AdministrativeDivision"),
    ("kg:Town", "rdfs:subClassOf", "kg:AdministrativeDivision"),
    ("kg:PartyCommittee", "rdfs:subClassOf", "org:FormalOrganization"),
    ("kg:Enterprise", "rdfs:subClassOf", "org:FormalOrganization"),
    ("kg:Utility", "rdfs:subClassOf", "kg:Enterprise"),
    ("org:FormalOrganization", "rdfs:subClassOf", "org:Organization"),
    ("cv:PublicOrganisation", "rdfs:subClassOf", "org:Organization"),
    ("schema:CollegeOrUniversity", "rdfs:subClassOf", "org:Organization"),
    ("kg:Industry", "rdfs:subClassOf", "skos:Concept"),
    ("kg:IndustryGroup", "rdfs:subClassOf", "skos:Collection"),
    ("kg:ledBy", "rdfs:subPropertyOf", "skos:narrower"),
    ("kg:representedBy", "rdfs:subPropertyOf", "skos:narrower"),
    ("kg:focusField", "rdfs:subPropertyOf", "skos:narrower"),
    ("kg:PlenarySession", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:TrainingCourse", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:Expo", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:Conference", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:InspectionVisit", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:Opening", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:Campaign", "rdfs:subClassOf", "cv:PublicEvent"),
    ("kg:PolicyDocument", "rdfs:subClassOf", "eli:LegalResource"),
    ("kg:Mechanism", "rdfs:subClassOf", "kg:Policy"),
    ("time:ProperInterval", "rdfs:subClassOf", "time:Interval"),
    ("time:Instant", "rdfs:subClassOf", "time:TemporalEntity"),
    ("kg:divisionCode", "rdfs:subPropertyOf", "skos:notation"),
]


@pytest.mark.parametrize("s,p,o", ANCHORS, ids=[f"{a}-{c}" for a, _, c in ANCHORS])
def test_anchor(onto: Graph, s: str, p: str, o: str) -> None:
    assert (expand(s), expand(p), expand(o)) in onto


def test_our_terms_have_their_definition_as_comment(onto: Graph) -> None:
    """Viewers such as Protégé, WebVOWL and LOV show only rdfs:comment: it repeats the definition."""
    problems = []
    for t in sorted(our_terms(onto)):
        comment = {(str(c), c.language) for c in onto.objects(t, RDFS.comment)}
        definition = {(str(d), d.language) for d in onto.objects(t, SKOS.definition)}
        if comment != definition or {lang for _, lang in comment} != {"en", "zh-Hans"}:
            problems.append(curie(t))
    assert not problems, f"rdfs:comment must equal skos:definition (en, zh-Hans): {problems}"


HERMIT = r"""
import sys
from owlready2 import OwlReadyInconsistentOntologyError, default_world, get_ontology, sync_reasoner
onto = get_ontology("file://" + sys.argv[1]).load()
try:
    with onto:
        sync_reasoner(debug=0, ignore_unsupported_datatypes=True)
except OwlReadyInconsistentOntologyError:
    print("inconsistent")
else:
    print("consistent", *sorted(str(c) for c in default_world.inconsistent_classes()))
"""


def hermit(peers: Path, graph: Graph, tmp: Path) -> list[str]:
    """HermiT (bundled with owlready2, run on Java) on `graph`: its verdict and unsatisfiable classes.

    HermiT accepts only the OWL 2 datatype map, which lacks xsd:date; our only xsd:date literals are
    annotations (dct:created, dct:modified), which do not take part in reasoning, so unsupported
    datatypes are ignored rather than failing the parse."""
    import subprocess

    nt = tmp / "ontology.nt"
    nt.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    r = subprocess.run([str(peers / "bin" / "python"), "-c", HERMIT, str(nt)], capture_output=True,
                       text=True, timeout=600, cwd=tmp)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout.split()


def test_ontology_is_consistent_in_hermit(onto: Graph, peers_venv: Path, tmp_path: Path) -> None:
    assert hermit(peers_venv, onto, tmp_path) == ["consistent"]


def test_hermit_reports_an_inconsistent_ontology(peers_venv: Path, tmp_path: Path) -> None:
    g = Graph()
    g.add((KG.Town, RDF.type, OWL.Class))
    g.add((KG.District, RDF.type, OWL.Class))
    g.add((KG.Town, OWL.disjointWith, KG.District))
    x = URIRef("https://w3id.org/kgtool/id/place/x")
    g.add((x, RDF.type, KG.Town))
    g.add((x, RDF.type, KG.District))
    assert hermit(peers_venv, g, tmp_path) == ["inconsistent"]


def test_every_class_of_ours_is_anchored(onto: Graph) -> None:
    loose = [curie(c) for c in sorted(our_terms(onto))
             if (c, RDF.type, OWL.Class) in onto and onto.value(c, RDFS.subClassOf) is None]
    assert not loose, loose


def test_no_domain_or_range(onto: Graph) -> None:
    assert not list(onto.triples((None, RDFS.domain, None)))
    assert not list(onto.triples((None, RDFS.range, None)))


def test_units(onto: Graph) -> None:
    yi = KGUNIT.HundredMillionCNY
    assert (yi, RDF.type, QUDT.Unit) in onto
    assert onto.value(yi, QUDT.conversionMultiplier).toPython() == 1.0e8
    assert onto.value(yi, QUDT.scalingOf) == UNIT.CCY_CNY
    assert labels(onto, yi)["zh-Hans"] == ["亿元"]
    for u in (UNIT.NUM, UNIT.PERCENT, UNIT.CCY_CNY, UNIT.FRACTION):
        assert (u, RDF.type, QUDT.Unit) in onto, u
        # pySHACL copies only owl:NamedIndividual nodes whole from the ontology into the data;
        # without it `sh:class qudt:Unit` would fail on every observation.
        assert (u, RDF.type, OWL.NamedIndividual) in onto, u


def test_approximation_qualifiers(onto: Graph) -> None:
    for q in (KG.MoreThan, KG.About):
        assert (q, RDF.type, SKOS.Concept) in onto
        assert (q, SKOS.inScheme, KG.ApproximationScheme) in onto
        assert labels(onto, q, SKOS.prefLabel)["zh-Hans"]
    assert (KG.ApproximationScheme, RDF.type, SKOS.ConceptScheme) in onto
    # no cycle back from the scheme: pySHACL deep-copies named individuals recursively
    assert not list(onto.objects(KG.ApproximationScheme, SKOS.hasTopConcept))


def test_source_quote_is_documented_as_curation_shorthand(onto: Graph) -> None:
    definition = " ".join(labels(onto, KG.sourceQuote, SKOS.definition)["en"])
    assert "shorthand" in definition and "prov:wasDerivedFrom" in definition


def test_code_datatypes_define_their_pattern(onto: Graph, built: Graph) -> None:
    """kg:GBT2260Code / kg:NBS12Code: OWL 2 datatype definitions (xsd:string + xsd:pattern) that
    every literal of that datatype in the built graph satisfies."""
    for dt, digits in ((KG.GBT2260Code, 6), (KG.NBS12Code, 12)):
        assert (dt, RDF.type, RDFS.Datatype) in onto
        (restriction,) = onto.objects(dt, OWL.equivalentClass)
        assert onto.value(restriction, OWL.onDatatype) == XSD.string
        facets = list(Collection(onto, onto.value(restriction, OWL.withRestrictions)))
        (pattern,) = [str(onto.value(f, XSD.pattern)) for f in facets]
        assert re.fullmatch(pattern, "1" * digits) and not re.fullmatch(pattern, "1" * (digits - 1))
        values = [str(o) for o in built.objects() if isinstance(o, Literal) and o.datatype == dt]
        assert values, f"no {curie(dt)} literal in the built graph"
        assert all(re.fullmatch(pattern, v) for v in values), values


# ---------------------------------------------------------------------------------------------
# the ontology tour, docs/ontology.md
# ---------------------------------------------------------------------------------------------

BANNER = re.compile(r"^# (\d+)\. (.+)$")
TERM_LINE = re.compile(r"^([a-z][\w-]*:[A-Za-z_][\w-]*) a ")
KINDS = [(OWL.Class, "class"), (OWL.ObjectProperty, "object property"),
         (OWL.DatatypeProperty, "datatype property"), (OWL.AnnotationProperty, "annotation property"),
         (QUDT.Unit, "unit"), (SKOS.ConceptScheme, "concept scheme"), (SKOS.Concept, "concept"),
         (RDFS.Class, "class"), (RDF.Property, "property"), (RDFS.Datatype, "datatype")]


def sections(ttl_text: str) -> list[tuple[str, list[str]]]:
    """(banner title, term CURIEs in file order) for each numbered banner section."""
    out: list[tuple[str, list[str]]] = []
    for line in ttl_text.splitlines():
        if m := BANNER.match(line):
            out.append((f"{m.group(1)}. {m.group(2)}", []))
        elif out and (m := TERM_LINE.match(line)):
            out[-1][1].append(m.group(1))
    return out


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_tour(onto: Graph, ttl_text: str) -> str:
    lines = [
        "# kgtool ontology tour · 本体导览",
        "",
        "<!-- Generated from ontology/kgtool.ttl by `python tests/test_ontology.py --write`; "
        "tests/test_ontology.py fails when this file and the ontology disagree. Do not edit. -->",
        "",
        f"Ontology `{KG}` (prefix `kg:`), version {onto.value(URIRef(str(KG)), OWL.versionInfo)}, "
        "licence CC BY 4.0. Terms are grouped as in the Turtle file, following the article. "
        "Terms in `kg:` are ours; the others are reused from W3C, EU and schema.org vocabularies "
        "and described in our file so the graph explains itself in Chinese and English. "
        "⊑ is rdfs:subClassOf / rdfs:subPropertyOf. Value checks live in ontology/shapes.ttl "
        "(the ontology states no domains or ranges).",
        "",
        "本体按文章顺序分组;`kg:` 为本项目术语,其余为复用的 W3C、欧盟与 schema.org 术语。"
        "⊑ 表示子类/子属性关系;取值约束见 ontology/shapes.ttl。",
        "",
        "Every `kg:` term repeats its definition as `rdfs:comment` (en, zh-Hans), for viewers that "
        "show only that. Consistency is checked with the HermiT OWL reasoner: `scripts/peers.sh` "
        "makes a separate venv (`.venv-peers/`, git-ignored) with owlready2, which bundles HermiT "
        "and runs it on Java, and `pytest tests/test_ontology.py -k hermit` runs it on the "
        "ontology (about 8 s; the session fixture `peers_venv` calls the script, and under "
        "`CI=true` a venv that cannot be made fails the test). The ontology plus the built graph is "
        "consistent too (measured once: 28 s, so not in the suite).",
        "",
    ]
    for title, terms in sections(ttl_text):
        lines += [f"## {title}", "", "| term | 中文 | English | kind | ⊑ | definition |",
                  "|---|---|---|---|---|---|"]
        for name in terms:
            t = expand(name)
            types = set(onto.objects(t, RDF.type))
            kind = next((k for cls, k in KINDS if cls in types), "individual")
            parents = sorted(curie(p) for p in chain_parents(onto, t))
            lab = labels(onto, t)
            definition = labels(onto, t, SKOS.definition)["en"]
            lines.append("| `{}` | {} | {} | {} | {} | {} |".format(
                name, _cell(", ".join(lab["zh-Hans"])), _cell(", ".join(lab["en"])), kind,
                ", ".join(f"`{p}`" for p in parents), _cell(definition[0] if definition else "")))
        lines.append("")
    return "\n".join(lines)


def chain_parents(onto: Graph, t: URIRef) -> list[URIRef]:
    return list(onto.objects(t, RDFS.subClassOf)) + list(onto.objects(t, RDFS.subPropertyOf))


def test_tour_sections_cover_every_declared_term(onto: Graph) -> None:
    listed = [expand(n) for _, names in sections(ONTOLOGY.read_text(encoding="utf-8")) for n in names]
    assert len(sections(ONTOLOGY.read_text(encoding="utf-8"))) == 10
    assert len(listed) == len(set(listed)), "a term is declared twice"
    assert set(listed) == declared_terms(onto)


def test_tour_matches_ontology(onto: Graph) -> None:
    expected = render_tour(onto, ONTOLOGY.read_text(encoding="utf-8"))
    assert TOUR.is_file(), "docs/ontology.md missing: python tests/test_ontology.py --write"
    assert TOUR.read_text(encoding="utf-8") == expected, \
        "docs/ontology.md is stale: python tests/test_ontology.py --write"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        g = Graph().parse(ONTOLOGY)
        TOUR.write_text(render_tour(g, ONTOLOGY.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {TOUR.relative_to(ROOT)}")
    else:
        sys.exit("usage: python tests/test_ontology.py --write")
