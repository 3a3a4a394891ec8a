"""The NGSI-LD API (ETSI GS CIM 009 core subset) at /ngsi-ld/v1/: plain Django views over the data hub's
services and selectors.

- ``call``: who asks (bearer key, tenant), what they may do, the @context and the representation, errors;
- ``entities``: queries, entities and attributes, types and attributes lists, bundled @context files;
- ``batch``: batch operations and the query by POST;
- ``temporal``: the temporal API;
- ``subscriptions``: subscriptions;
- ``openapi``: the OpenAPI description; ``urls``: the URL map.
"""
