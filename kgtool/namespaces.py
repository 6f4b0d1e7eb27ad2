"""Every namespace and prefix kgtool uses, defined once.

The two project bases are here and nowhere else: terms live under `DEF`, things under `ID`
(`ID/{type}/{key}`, see docs/modelling.md). This module imports only rdflib's term classes, so
the query path can use it without loading rdflib's parsers or SPARQL engine.
"""
from __future__ import annotations

DEF = "https://w3id.org/kgtool/def/"
ID = "https://w3id.org/kgtool/id/"
UNIT = DEF + "unit/"

# Prefix table used for every serialisation and for compact names in query output.
PREFIXES: dict[str, str] = {
    "kg": DEF,
    "kgunit": UNIT,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "cv": "http://data.europa.eu/m8g/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "qb": "http://purl.org/linked-data/cube#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "vann": "http://purl.org/vocab/vann/",
    "wikibase": "http://wikiba.se/ontology#",
}

# Thing types allowed in ID/{type}/{key} (docs/modelling.md section 1).
ID_TYPES = (
    "place", "org", "person", "post", "industry", "concept", "scheme", "observation", "event",
    "period", "instant", "document", "policy", "project", "goal", "statement", "group",
    "dataset", "span", "source",
)


def thing(kind: str, key: str) -> str:
    """The IRI of a thing: `ID/{kind}/{key}`. Raises ValueError for an unknown kind."""
    if kind not in ID_TYPES:
        raise ValueError(f"unknown thing type {kind!r}; expected one of {', '.join(ID_TYPES)}")
    return f"{ID}{kind}/{key}"
