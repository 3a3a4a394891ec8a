"""NGSI-LD query language (CIM 009 §4.9): parsing, errors, serialization and evaluation."""

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.datahub.ngsild.context import build_context, expand_entity
from beffroi.datahub.ngsild.errors import ErrorType
from beffroi.datahub.ngsild.evaluation import evaluate, matches
from beffroi.datahub.ngsild.query import (
    And,
    AttrPath,
    Compare,
    Exists,
    InList,
    InRange,
    Match,
    Op,
    Or,
    QueryError,
    and_,
    attribute_paths,
    format_query,
    map_attribute_names,
    or_,
    parse_query,
)

SDM = Path(__file__).resolve().parent.parent / "data" / "smart-data-models"


def load(name):
    return json.loads((SDM / f"{name}.normalized.jsonld").read_text(encoding="utf-8"))


def p(name, *subs, keys=()):
    return AttrPath(name, tuple(subs), tuple(keys))


# A waste container of Valbourg, in normalized form, with the shapes the evaluator has to walk.
CONTAINER = {
    "id": "urn:ngsi-ld:WasteContainer:valbourg:place-du-marche:1",
    "type": "WasteContainer",
    "fillingLevel": {"type": "Property", "value": 0.85, "observedAt": "2024-05-01T06:00:00Z"},
    "status": {"type": "Property", "value": "ok"},
    "temperature": {
        "type": "Property",
        "value": 18.5,
        "unitCode": "CEL",
        "observedAt": "2024-05-01T06:00:00Z",
        "observedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Device:em400-1"},
    },
    "storedWasteKind": {"type": "Property", "value": ["paper", "cardboard"]},
    "binCapacity": {"type": "Property", "value": 660},
    "serialNumber": {"type": "Property", "value": "EM4-0042"},
    "isEmptied": {"type": "Property", "value": False},
    "dateLastEmptying": {
        "type": "Property",
        "value": {"@type": "DateTime", "@value": "2024-04-29T07:30:00Z"},
    },
    "address": {
        "type": "Property",
        "value": {"addressLocality": "Valbourg", "postalCode": "12345", "geo": {"district": "Centre"}},
    },
    "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:em400-1"},
    "refWasteContainerIsle": {
        "type": "Relationship",
        "object": ["urn:ngsi-ld:WasteContainerIsle:marche", "urn:ngsi-ld:WasteContainerIsle:ecole"],
    },
    "name": {"type": "LanguageProperty", "languageMap": {"fr": "Conteneur du marché", "en": "Market bin"}},
    "collectionTime": {"type": "Property", "value": "06:30:00"},
    "installedOn": {"type": "Property", "value": "2021-09-01"},
    "noise": [
        {"type": "Property", "value": 40, "datasetId": "urn:ngsi-ld:Dataset:day"},
        {"type": "Property", "value": 75, "datasetId": "urn:ngsi-ld:Dataset:night"},
    ],
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [2.35, 48.85]}},
}


# ------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # The examples of CIM 009 §4.9.
        ("temperature", Exists(p("temperature"))),
        ("temperature==20", Compare(p("temperature"), Op.EQ, 20)),
        ('brandName!="Mercedes"', Compare(p("brandName"), Op.NE, "Mercedes")),
        (
            'isParked=="urn:ngsi-ld:OffStreetParking:Downtown1"',
            Compare(p("isParked"), Op.EQ, "urn:ngsi-ld:OffStreetParking:Downtown1"),
        ),
        (
            'speed>50;brandName!="Mercedes"',
            And((Compare(p("speed"), Op.GT, 50), Compare(p("brandName"), Op.NE, "Mercedes"))),
        ),
        ("isMonitoredBy", Exists(p("isMonitoredBy"))),
        (
            '((speed>50|rpm>3000);brandName=="Mercedes")',
            And(
                (
                    Or((Compare(p("speed"), Op.GT, 50), Compare(p("rpm"), Op.GT, 3000))),
                    Compare(p("brandName"), Op.EQ, "Mercedes"),
                )
            ),
        ),
        (
            "(temperature>=20;temperature<=25)|capacity<=10",
            Or(
                (
                    And((Compare(p("temperature"), Op.GE, 20), Compare(p("temperature"), Op.LE, 25))),
                    Compare(p("capacity"), Op.LE, 10),
                )
            ),
        ),
        (
            "temperature.observedAt>=2017-12-24T12:00:00Z",
            Compare(p("temperature", "observedAt"), Op.GE, datetime(2017, 12, 24, 12, tzinfo=UTC)),
        ),
        ('address[city]=="Berlin"', Compare(p("address", keys=["city"]), Op.EQ, "Berlin")),
        (
            "sensor.rawdata[airquality.particulate]==40",
            Compare(p("sensor", "rawdata", keys=["airquality", "particulate"]), Op.EQ, 40),
        ),
        # Annex C writes unquoted strings; they are URIs/strings.
        ("brandName!=Mercedes", Compare(p("brandName"), Op.NE, "Mercedes")),
    ],
)
def test_parses_the_examples_of_the_specification(q, expected):
    assert parse_query(q) == expected


def test_and_binds_tighter_than_or():
    assert parse_query("a|b;c") == Or((Exists(p("a")), And((Exists(p("b")), Exists(p("c"))))))
    assert parse_query("a;b|c") == Or((And((Exists(p("a")), Exists(p("b")))), Exists(p("c"))))
    assert parse_query("a;(b|c)") == And((Exists(p("a")), Or((Exists(p("b")), Exists(p("c"))))))


def test_nested_groups_of_the_same_operator_are_flattened():
    assert parse_query("(a;b);(c;d)") == And(tuple(Exists(p(n)) for n in "abcd"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-7", -7),
        ("0.5", 0.5),
        ("1e3", 1000.0),
        ("-2.5E-2", -0.025),
        ('"hello"', "hello"),
        ('"with \\"quotes\\" and \\u00e9"', 'with "quotes" and é'),
        ('"a;b|c)"', "a;b|c)"),
        ("'single'", "single"),
        ("true", True),
        ("false", False),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00.123456789Z", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T10:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01", date(2024, 5, 1)),
        ("10:30:00", time(10, 30)),
        ("10:30Z", time(10, 30)),
        ("urn:ngsi-ld:Device:1", "urn:ngsi-ld:Device:1"),
        ("https://example.org/a.b/c", "https://example.org/a.b/c"),
        ("Hôtel de ville", "Hôtel de ville"),
    ],
)
def test_value_types(text, value):
    node = parse_query(f"a=={text}")
    assert node == Compare(p("a"), Op.EQ, value)
    assert type(node.value) is type(value)


def test_ranges_and_lists():
    assert parse_query("a==10..20") == InRange(p("a"), 10, 20)
    assert parse_query("a!=1.5..2") == InRange(p("a"), 1.5, 2, negated=True)
    assert parse_query('a=="a".."m"') == InRange(p("a"), "a", "m")
    assert parse_query("a==2024-01-01..2024-12-31") == InRange(p("a"), date(2024, 1, 1), date(2024, 12, 31))
    assert parse_query("a==2024-01-01T00:00:00Z..2024-02-01T00:00:00Z") == InRange(
        p("a"), datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    )
    assert parse_query('color=="black","red"') == InList(p("color"), ("black", "red"))
    assert parse_query("a!=1, 2 ,3") == InList(p("a"), (1, 2, 3), negated=True)
    assert parse_query("a==true,false") == InList(p("a"), (True, False))


def test_regular_expressions_run_to_the_end_of_the_term():
    assert parse_query("name~=(?i)^val.*") == Match(p("name"), "(?i)^val.*")
    assert parse_query("name~=^(a|b)$;x") == And((Match(p("name"), "^(a|b)$"), Exists(p("x"))))
    assert parse_query("(name~=b.*)") == Match(p("name"), "b.*")
    assert parse_query("name~=[)|;]x") == Match(p("name"), "[)|;]x")
    assert parse_query('name!~="a|b"') == Match(p("name"), "a|b", negated=True)
    assert parse_query(r"name~=\)x") == Match(p("name"), r"\)x")


def test_existence_and_non_existence():
    assert parse_query("!refDevice") == Exists(p("refDevice"), negated=True)
    assert parse_query("!a.b;c") == And((Exists(p("a", "b"), negated=True), Exists(p("c"))))


def test_whitespace_between_tokens_is_ignored():
    assert parse_query(' ( a > 1 ; b == "x" ) | c ') == parse_query('(a>1;b=="x")|c')


def test_language_and_multi_bracket_paths():
    assert parse_query('name[fr]=="Mairie"') == Compare(p("name", keys=["fr"]), Op.EQ, "Mairie")
    assert parse_query('name[*]=="Mairie"') == Compare(p("name", keys=["*"]), Op.EQ, "Mairie")
    assert parse_query("a[b][c]==1") == Compare(p("a", keys=["b", "c"]), Op.EQ, 1)


@pytest.mark.parametrize(
    ("q", "position", "fragment"),
    [
        ("", 1, "empty"),
        ("   ", 1, "empty"),
        ("a==", 4, "expected a value"),
        ("a=1", 2, "use '=='"),
        ("(a", 3, "expected ')'"),
        ("a)", 2, "unbalanced"),
        ("a;;b", 3, "expected an attribute name"),
        ("a|", 3, "expected an attribute name"),
        ("1a==2", 1, "attribute name"),
        ("a==1..x", 4, "invalid range"),
        ("a==1..", 4, "invalid range"),
        ('a=="x', 4, "unterminated string"),
        ('a=="\\q"', 4, "escape"),
        ("a>true", 2, "booleans"),
        ("a>1,2", 2, "list of values"),
        ("a>1..2", 2, "range"),
        ("a==1,2..3", 6, "cannot contain a range"),
        ('a=="x"y', 7, "after the value"),
        ("a~=(", 4, "regular expression"),
        ("a~=", 4, "regular expression"),
        ("a==2024-13-01", 4, "not a valid date"),
        ("a==2024-02-30T10:00:00Z", 4, "not a valid dateTime"),
        ("a==25:00", 4, "not a valid time"),
        ("a==1e999", 4, "out of range"),
        ('a=="x"..5', 4, "same type"),
        ("a.==1", 3, "sub-attribute"),
        ("a[]==1", 3, "member name"),
        ("a[b==1", 4, "expected ']'"),
        ("!a==1", 3, "takes no operator"),
        ("a!b", 2, "expected an operator"),
    ],
)
def test_errors_name_the_position(q, position, fragment):
    with pytest.raises(QueryError) as caught:
        parse_query(q)
    error = caught.value
    assert error.position == position
    assert f"position {position}" in str(error)
    assert fragment in str(error)
    assert error.error_type is ErrorType.BAD_REQUEST_DATA
    body = error.problem_details()
    assert body["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    assert body["status"] == 400
    assert body["title"] and body["detail"] and body["title"] != body["detail"]


def test_too_deep_or_too_long_queries_are_too_complex():
    with pytest.raises(QueryError) as deep:
        parse_query("(" * 40 + "a" + ")" * 40)
    assert deep.value.error_type is ErrorType.TOO_COMPLEX_QUERY
    assert deep.value.status == 403
    with pytest.raises(QueryError) as many:
        parse_query(";".join(["a"] * 300))
    assert many.value.error_type is ErrorType.TOO_COMPLEX_QUERY


def test_linked_entity_queries_are_reported_as_not_implemented():
    with pytest.raises(QueryError) as caught:
        parse_query("sensor{humidity}==40")
    assert caught.value.error_type is ErrorType.NOT_IMPLEMENTED
    assert caught.value.status == 501


def test_non_string_input_is_a_query_error():
    with pytest.raises(QueryError):
        parse_query(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ random inputs

QUERY_ALPHABET = st.sampled_from(
    list("ab.[]()!=<>~;|,\"'*-:0123456789 eTZ") + ["==", "..", "true", "2024-05-01"]
)


@given(st.text(max_size=80))
@settings(max_examples=400)
def test_any_text_either_parses_or_raises_a_query_error(text):
    try:
        node = parse_query(text)
    except QueryError as error:
        assert error.position is None or 1 <= error.position <= len(text) + 1
    else:
        assert parse_query(format_query(node)) == node


@given(st.lists(QUERY_ALPHABET, max_size=40).map("".join))
@settings(max_examples=600)
def test_grammar_like_text_either_parses_or_raises_a_query_error(text):
    try:
        node = parse_query(text)
    except QueryError:
        return
    assert parse_query(format_query(node)) == node


NAMES = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in ("true", "false")
)
PATHS = st.builds(
    AttrPath,
    NAMES,
    st.lists(NAMES, max_size=2).map(tuple),
    st.lists(st.from_regex(r"[a-zA-Z0-9_*]{1,6}", fullmatch=True), max_size=2).map(tuple),
)
SCALARS = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=12),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
    st.dates(),
    st.times(),
)
COMPARABLE = st.one_of(st.integers(-1000, 1000), st.text(max_size=5), st.dates())
TERMS = st.one_of(
    st.builds(Exists, PATHS, st.booleans()),
    st.builds(Compare, PATHS, st.sampled_from([Op.EQ, Op.NE]), SCALARS),
    st.builds(
        Compare,
        PATHS,
        st.sampled_from([Op.GT, Op.GE, Op.LT, Op.LE]),
        SCALARS.filter(lambda v: v is not True and v is not False),
    ),
    st.builds(InList, PATHS, st.lists(SCALARS, min_size=2, max_size=4).map(tuple), st.booleans()),
    COMPARABLE.flatmap(
        lambda low: st.builds(
            InRange, PATHS, st.just(low), COMPARABLE.filter(lambda h: type(h) is type(low)), st.booleans()
        )
    ),
    st.builds(Match, PATHS, st.sampled_from(["^a", "b|c", "(?i)x.*", r"\d+", "[;|)]"]), st.booleans()),
)
QUERIES = st.recursive(
    TERMS,
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda t: and_(*t)),
        st.lists(children, min_size=2, max_size=3).map(lambda t: or_(*t)),
    ),
    max_leaves=8,
)


@given(QUERIES)
@settings(max_examples=400)
def test_format_then_parse_gives_back_the_same_query(node):
    assert parse_query(format_query(node)) == node


# ----------------------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("fillingLevel", True),
        ("fillingLevel>0.8", True),
        ("fillingLevel>=0.85", True),
        ("fillingLevel<0.85", False),
        ("fillingLevel==0.85", True),
        ("binCapacity==660", True),
        ("binCapacity==660.0", True),
        ("binCapacity!=660", False),
        ("binCapacity==500..700", True),
        ("binCapacity!=500..700", False),
        ("binCapacity!=700..800", True),
        ("binCapacity==120,240,660", True),
        ("binCapacity!=120,240", True),
        ('status=="ok"', True),
        ("status==ok", True),
        ('status!="ok"', False),
        ('status=="ok","lidOpen"', True),
        ('status=="lidOpen","burning"', False),
        # Type mismatch: == does not match, != does (§4.9).
        ('binCapacity=="660"', False),
        ('binCapacity!="660"', True),
        ("status>3", False),
        # Arrays: == means "included", != "not included".
        ('storedWasteKind=="paper"', True),
        ('storedWasteKind=="glass"', False),
        ('storedWasteKind!="glass"', True),
        ('storedWasteKind!="paper"', False),
        ('storedWasteKind=="glass","cardboard"', True),
        # Booleans.
        ("isEmptied==false", True),
        ("isEmptied==true", False),
        ("isEmptied==0", False),
        # Regular expressions: strings only.
        ("serialNumber~=^EM4-", True),
        ("serialNumber~=(?i)^em4", True),
        ("serialNumber!~=^EM4-", False),
        ("serialNumber!~=^XX", True),
        ("binCapacity~=66", False),
        ("binCapacity!~=66", False),
        ("storedWasteKind~=^card", True),
        # Sub-attributes and members (dotted paths).
        ('temperature.unitCode=="CEL"', True),
        ("temperature.observedAt>=2024-05-01T00:00:00Z", True),
        ("temperature.observedAt<2024-05-01T00:00:00Z", False),
        ("temperature.observedAt==2024-05-01", True),
        ('temperature.observedBy=="urn:ngsi-ld:Device:em400-1"', True),
        ("temperature.observedBy", True),
        ("temperature.calibratedBy", False),
        ("!temperature.calibratedBy", True),
        # Compound values (trailing path in brackets).
        ('address[addressLocality]=="Valbourg"', True),
        ('address[geo.district]=="Centre"', True),
        ("address[geo.missing]", False),
        ("address[postalCode]==12345", False),
        ('address[postalCode]=="12345"', True),
        # JSON-LD DateTime value objects compare as date-times.
        ("dateLastEmptying<2024-05-01T00:00:00Z", True),
        ("dateLastEmptying>2024-04-30", False),
        ("dateLastEmptying==2024-04-01T00:00:00Z..2024-04-30T00:00:00Z", True),
        # Times and dates held as strings.
        ("collectionTime<07:00:00", True),
        ("collectionTime==06:30:00", True),
        ("installedOn<2022-01-01", True),
        # Relationships: equality only.
        ('refDevice=="urn:ngsi-ld:Device:em400-1"', True),
        ("refDevice==urn:ngsi-ld:Device:em400-1", True),
        ('refDevice!="urn:ngsi-ld:Device:em400-1"', False),
        ('refDevice>"urn:a"', False),
        ("refDevice~=em400", False),
        ('refWasteContainerIsle=="urn:ngsi-ld:WasteContainerIsle:ecole"', True),
        # Language properties.
        ('name[fr]=="Conteneur du marché"', True),
        ('name[en]=="Conteneur du marché"', False),
        ('name[*]=="Market bin"', True),
        ('name=="Market bin"', False),
        ('name[de]=="Market bin"', False),
        # Multi-instance attributes: any instance.
        ("noise>70", True),
        ("noise<50", True),
        ("noise>80", False),
        # Missing attributes: every comparison is false, even !=.
        ("missing", False),
        ("!missing", True),
        ("missing!=3", False),
        ('missing!="x"', False),
        # Logic.
        ('fillingLevel>0.8;status=="ok"', True),
        ('fillingLevel>0.9;status=="ok"', False),
        ('fillingLevel>0.9|status=="ok"', True),
        ("(fillingLevel>0.9|binCapacity==660);!missing", True),
    ],
)
def test_evaluation_against_a_normalized_entity(q, expected):
    assert matches(q, CONTAINER) is expected


def test_evaluation_against_a_key_values_entity():
    simplified = {
        "id": "urn:ngsi-ld:ParkingSpot:1",
        "type": "ParkingSpot",
        "status": "free",
        "category": ["onStreet"],
        "address": {"addressLocality": "Valbourg"},
        "location": {"type": "Point", "coordinates": [2.35, 48.85]},
    }
    assert matches('status=="free"', simplified)
    assert matches('category=="onStreet"', simplified)
    assert matches('address[addressLocality]=="Valbourg"', simplified)
    assert not matches("status>1", simplified)


@pytest.mark.parametrize(
    ("entity", "q", "expected"),
    [
        ("ParkingSpot", 'status=="free"', True),
        ("ParkingSpot", 'status.parkingPermit=="yes"', True),
        ("ParkingSpot", "status.observedAt>2018-09-21T11:59:59Z", True),
        ("ParkingSpot", 'category=="onStreet"', True),
        ("ParkingSpot", "refParkingSite==urn:ngsi-ld:ParkingSite:santander:daoiz_velarde_1_5", True),
        ("OffStreetParking", "occupancy>0.5;totalSpotNumber>=400", True),
        ("OffStreetParking", "fourWheelerSlots[availableSpotNumber]>20", True),
        ("AirQualityObserved", "no2>50;no2<100", True),
        ("AirQualityObserved", 'address[addressLocality]=="Madrid"', True),
        ("AirQualityObserved", "co.unitCode==GP", True),
        ("TrafficFlowObserved", "dateObservedFrom>=2016-12-07T11:10:00Z;reversedLane==false", True),
        ("WaterConsumptionObserved", "waterConsumption>100000;alarmInProgress==1", True),
        ("WaterConsumptionObserved", 'maxFlow.observedBy=="urn:ngsi-ld:Device:01"', True),
        ("Building", 'category=="office";floorsAboveGround==7', True),
        ("Building", 'owner=="urn:ngsi-ld::1be9cd61-ef59-421f-a326-4b6c84411ad4"', True),
        ("Streetlight", 'powerState=="on"', False),
        ("Streetlight", "municipalityInfo.deviceInfo[deviceModel.modelName]==SL1", True),
    ],
)
def test_evaluation_on_smart_data_models_examples(entity, q, expected):
    assert matches(q, load(entity)) is expected


def test_queries_expanded_with_the_context_match_expanded_entities():
    doc = load("ParkingSpot")
    context = build_context(doc["@context"])
    stored = expand_entity(doc, context)
    query = map_attribute_names(
        parse_query('status=="free";status.parkingPermit=="yes";status.observedAt<2019-01-01;name=="A-13"'),
        context.expand_attribute,
        context.expand_sub_attribute,
    )
    assert query.terms[0].path.attr == "https://uri.etsi.org/ngsi-ld/status"
    assert evaluate(query, stored)
    assert not evaluate(parse_query('status=="free"'), stored)  # short names do not match stored IRIs


def test_map_attribute_names_leaves_value_keys_alone():
    query = map_attribute_names(parse_query("a.observedAt>2020-01-01;b[c.d]==1"), str.upper)
    assert attribute_paths(query) == [p("A", "OBSERVEDAT"), p("B", keys=["c", "d"])]
    query = map_attribute_names(parse_query("a.observedAt>2020-01-01;b.c"), str.upper, str.lower)
    assert attribute_paths(query) == [p("A", "observedat"), p("B", "c")]


def test_attribute_paths_are_listed_once_in_order():
    query = parse_query("b>1;(a==2|b<5);c.d")
    assert attribute_paths(query) == [p("b"), p("a"), p("c", "d")]


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.sampled_from(list(Op)))
def test_numeric_comparisons_agree_with_python(value, threshold, op):
    entity = {"id": "urn:x", "type": "T", "v": {"type": "Property", "value": value}}
    expected = {
        Op.EQ: value == threshold,
        Op.NE: value != threshold,
        Op.GT: value > threshold,
        Op.GE: value >= threshold,
        Op.LT: value < threshold,
        Op.LE: value <= threshold,
    }[op]
    assert evaluate(Compare(p("v"), op, threshold), entity) is expected
    assert matches(format_query(Compare(p("v"), op, threshold)), entity) is expected


@given(st.integers(-100, 100), st.integers(-100, 100), st.integers(-100, 100))
def test_ranges_agree_with_python(value, low, high):
    entity = {"id": "urn:x", "type": "T", "v": {"type": "Property", "value": value}}
    assert matches(f"v=={low}..{high}", entity) is (low <= value <= high)
    assert matches(f"v!={low}..{high}", entity) is not (low <= value <= high)
