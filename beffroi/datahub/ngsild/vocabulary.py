"""The NGSI-LD core vocabulary Beffroi relies on (ETSI GS CIM 009 V1.9.1 §4.5, §5.2), defined once.

The attribute types and the member each one carries its value in (§4.5.1–§4.5.25: a Property's ``value``, a
Relationship's ``object``, a LanguageProperty's ``languageMap``…), the temporal members of the same
(§4.5.7–§4.5.9: ``values``, ``objects``…), the core IRIs the data hub reads (``location``, the default
vocabulary of the core @context, the NGSI-LD null of §4.5.0) and the short name of an IRI.
"""

from __future__ import annotations

import re

#: Namespace of the NGSI-LD core terms.
NGSI_LD_NS = "https://uri.etsi.org/ngsi-ld/"
#: ``@vocab`` of the core @context (§5.5.7): a short name no context defines expands under it.
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
#: The ``location`` GeoProperty (§4.7), geo-indexed by the data hub.
LOCATION_IRI = "https://uri.etsi.org/ngsi-ld/location"
#: The NGSI-LD null (§4.5.0, merge-patch): a member set to it is deleted.
NGSI_LD_NULL = "urn:ngsi-ld:null"

#: Attribute types (§4.5).
ATTRIBUTE_TYPES = frozenset(
    {
        "Property",
        "Relationship",
        "GeoProperty",
        "LanguageProperty",
        "JsonProperty",
        "VocabProperty",
        "ListProperty",
        "ListRelationship",
    }
)

#: The member holding an attribute's value, by attribute type (normalized representation, §4.5).
VALUE_MEMBER = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "JsonProperty": "json",
    "VocabProperty": "vocab",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
}

#: The member holding an attribute's values over time, by attribute type (temporalValues, §4.5.7–§4.5.9).
VALUES_MEMBER = {
    "Property": "values",
    "GeoProperty": "values",
    "Relationship": "objects",
    "LanguageProperty": "languageMaps",
    "JsonProperty": "jsons",
    "VocabProperty": "vocabs",
    "ListProperty": "valueLists",
    "ListRelationship": "objectLists",
}

_LAST_SEGMENT = re.compile(r"[/#:]")


def short_name(iri: str) -> str:
    """The last segment of an IRI (``…/fillingLevel`` → ``fillingLevel``), for display and device mapping."""
    return _LAST_SEGMENT.split(iri)[-1] or iri
