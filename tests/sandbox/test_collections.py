"""Filters, totals, paging and order of the collections, checked against every seeded record."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from voipstudio_callmeback_sandbox import DEMO_ACCOUNT
from voipstudio_callmeback_sandbox._seed import seed_account

from conftest import load_spec

from .support import (
    API_VERSIONS,
    CDRS,
    COLLECTIONS,
    MAX_LIMIT,
    SETTINGS,
    VISITORS,
    WEBSITES,
    Client,
    FakeClock,
    InProcessSandbox,
    body,
    error,
)

SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]
OPERATORS = ("eq", "like", "gt", "gte", "lt", "lte")
CDR_COUNT = 500
Record = dict[str, Any]
Condition = dict[str, Any]
COMPARISONS = {
    "eq": lambda left, right: left == right,
    "gt": lambda left, right: left > right,
    "gte": lambda left, right: left >= right,
    "lt": lambda left, right: left < right,
    "lte": lambda left, right: left <= right,
}


@pytest.fixture(scope="module")
def seeded() -> Iterator[InProcessSandbox]:
    """One sandbox for the whole module, with CDR_COUNT call records per account; these tests only read."""
    instance = InProcessSandbox(clock=FakeClock(), cdrs_per_account=CDR_COUNT)
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def client(seeded: InProcessSandbox) -> Client:
    return seeded.client()


@pytest.fixture(scope="module")
def records(client: Client) -> list[Record]:
    """Every call record of the demo account, in id order, from one page of the largest size."""
    found = body(client.get(CDRS, {"limit": MAX_LIMIT}))
    assert found["total"] == CDR_COUNT
    assert len(found["data"]) == CDR_COUNT
    items: list[Record] = found["data"]
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    return items


def like(pattern: str) -> re.Pattern[str]:
    """SQL LIKE as a regular expression: `%` any run of characters, `_` one character."""
    translated = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    return re.compile(translated, re.DOTALL)


def matches(record: Record, condition: Condition) -> bool:
    """Whether a record meets a condition, computed here rather than by the sandbox."""
    value, operator, wanted = record[condition["property"]], condition["operator"], condition["value"]
    if wanted is None:
        return operator == "eq" and value is None
    if value is None:
        return False
    if operator == "like":
        return like(wanted).fullmatch(str(value)) is not None
    return bool(COMPARISONS[operator](value, wanted))


def expected_ids(records: list[Record], conditions: list[Condition]) -> list[int]:
    return [record["id"] for record in records if all(matches(record, condition) for condition in conditions)]


def filtered(client: Client, conditions: list[Condition], **params: str | int) -> dict[str, Any]:
    found = body(client.get(CDRS, {"filter": json.dumps(conditions), "limit": MAX_LIMIT, **params}))
    assert isinstance(found, dict)
    return found


def sort_schema(path: str) -> dict[str, Any]:
    """The schema of the `sort` parameter of the list operation of a collection path."""
    for raw in SPEC["paths"][path]["get"]["parameters"]:
        parameter = SPEC["components"]["parameters"][raw["$ref"].rsplit("/", 1)[1]] if "$ref" in raw else raw
        if parameter["name"] == "sort":
            schema = parameter["schema"]
            found: dict[str, Any] = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema
            return found
    raise AssertionError(f"{path} has no sort parameter")


def refused_name(path: str) -> str:
    """A field name the collection's sort parameter refuses: one outside its enum, or, without an enum,
    one its pattern refuses."""
    return "nope" if "enum" in sort_schema(path) else "No-pe"


def median(records: list[Record], field: str) -> Any:
    return sorted(record[field] for record in records)[len(records) // 2]


def value_for(records: list[Record], field: str, operator: str) -> Any:
    """A value to compare with that splits the records: taken from the data, so boundaries matter."""
    if operator == "like":
        return {"calldate": "2026-03-%", "duration": "1%", "disposition": "%ANSWER%"}[field]
    if field == "disposition":
        return "BUSY"
    return median(records, field)


class TestFilters:
    """Each operator, and their conjunction, selects exactly the records a brute-force scan selects."""

    @pytest.mark.parametrize("operator", ["eq", "like", "gt", "gte", "lt", "lte"])
    @pytest.mark.parametrize("field", ["calldate", "duration", "disposition"])
    def test_operator(self, client: Client, records: list[Record], field: str, operator: str) -> None:
        """One condition selects the same records, in id order, as a scan of all records; total counts them."""
        condition = {"property": field, "operator": operator, "value": value_for(records, field, operator)}
        wanted = expected_ids(records, [condition])
        assert 0 < len(wanted) < len(records), "the value should split the records"
        found = filtered(client, [condition])
        assert [item["id"] for item in found["data"]] == wanted
        assert found["total"] == len(wanted)

    @pytest.mark.parametrize(
        "condition",
        [
            {"property": "calldate", "operator": "like", "value": "2026-0_-15 %"},
            {"property": "id", "operator": "gt", "value": 0},
            {"property": "duration", "operator": "lte", "value": 0},
            {"property": "rate", "operator": "eq", "value": 0.0125},
            {"property": "destination", "operator": "like", "value": "%Mobile"},
            {"property": "calldate", "operator": "gte", "value": "2027-01-01 00:00:00"},
        ],
        ids=["like-underscore", "all", "zero-duration", "eq-float", "like-suffix", "none"],
    )
    def test_more_conditions(self, client: Client, records: list[Record], condition: Condition) -> None:
        """Wildcards, floats, and conditions that match everything or nothing agree with a scan."""
        wanted = expected_ids(records, [condition])
        found = filtered(client, [condition])
        assert [item["id"] for item in found["data"]] == wanted
        assert found["total"] == len(wanted)

    def test_conditions_are_anded(self, client: Client, records: list[Record]) -> None:
        """Several conditions select the records that meet all of them."""
        conditions = [
            {"property": "calldate", "operator": "gte", "value": "2026-02-01 00:00:00"},
            {"property": "calldate", "operator": "lt", "value": "2026-05-01 00:00:00"},
            {"property": "disposition", "operator": "eq", "value": "ANSWERED"},
            {"property": "duration", "operator": "gt", "value": median(records, "duration")},
        ]
        wanted = expected_ids(records, conditions)
        for fewer in range(1, len(conditions)):
            assert len(expected_ids(records, conditions[:fewer])) > len(wanted), "each condition should narrow"
        assert wanted
        found = filtered(client, conditions)
        assert [item["id"] for item in found["data"]] == wanted
        assert found["total"] == len(wanted)

    def test_same_property_twice_selects_a_range(self, client: Client, records: list[Record]) -> None:
        """Two conditions on calldate select the records between them."""
        low, high = records[100]["calldate"], records[150]["calldate"]
        conditions = [
            {"property": "calldate", "operator": "gte", "value": low},
            {"property": "calldate", "operator": "lte", "value": high},
        ]
        found = filtered(client, conditions)
        assert found["total"] == len(expected_ids(records, conditions))
        assert all(low <= item["calldate"] <= high for item in found["data"])

    def test_empty_filter_selects_everything(self, client: Client, records: list[Record]) -> None:
        """An empty array of conditions filters nothing out."""
        found = filtered(client, [])
        assert [item["id"] for item in found["data"]] == [record["id"] for record in records]

    @pytest.mark.parametrize("value", [99_999_999_999_999_999_999, -(2**64), 2**63])
    def test_value_beyond_64_bits(self, client: Client, records: list[Record], value: int) -> None:
        """A number too large for SQLite is refused with 400, or compared correctly; never a 5xx."""
        condition = {"property": "id", "operator": "lt", "value": value}
        response = client.get(CDRS, {"filter": json.dumps([condition]), "limit": MAX_LIMIT})
        if response.status_code == 400:
            error(response, 400)
        else:
            assert body(response)["total"] == len(expected_ids(records, [condition]))

    def test_value_not_unicode(self, client: Client) -> None:
        """A string value with a lone surrogate (valid JSON, not Unicode) is refused with 400 or matches nothing."""
        response = client.get(CDRS, {"filter": '[{"property":"dst_name","operator":"eq","value":"\\ud800"}]'})
        if response.status_code == 400:
            error(response, 400)
        else:
            assert body(response)["total"] == 0


class TestTotalsAndPages:
    """`total` counts every match on every page; pages cover every match exactly once."""

    def test_total_does_not_depend_on_the_page(self, client: Client, records: list[Record]) -> None:
        """A small page of a filtered list reports the total of all matches, and holds the right slice."""
        condition = {"property": "disposition", "operator": "eq", "value": "ANSWERED"}
        wanted = expected_ids(records, [condition])
        for page in (1, 3, math.ceil(len(wanted) / 7), math.ceil(len(wanted) / 7) + 1):
            found = filtered(client, [condition], limit=7, page=page)
            assert found["total"] == len(wanted)
            assert [item["id"] for item in found["data"]] == wanted[(page - 1) * 7 : page * 7]

    def test_default_page(self, client: Client) -> None:
        """Without page or limit the first page comes back, with the total of all records."""
        found = body(client.get(CDRS))
        assert found["total"] == CDR_COUNT
        assert 0 < len(found["data"]) <= CDR_COUNT
        assert found["data"] == body(client.get(CDRS, {"page": 1}))["data"]

    @pytest.mark.parametrize(
        "order",
        [{}, {"sort": "calldate", "dir": "DESC"}, {"sort": "duration"}, {"sort": "disposition", "dir": "DESC"}],
        ids=["default", "calldate-desc", "duration-ties", "disposition-ties"],
    )
    def test_pages_cover_every_record_once(self, client: Client, records: list[Record], order: dict[str, str]) -> None:
        """Walking the pages returns every record exactly once, even where the sort key ties."""
        limit, seen = 37, list[int]()
        pages = math.ceil(CDR_COUNT / limit)
        for page in range(1, pages + 2):
            found = body(client.get(CDRS, {"limit": limit, "page": page, **order}))
            assert found["total"] == CDR_COUNT
            expected_size = limit if page < pages else CDR_COUNT - limit * (pages - 1) if page == pages else 0
            assert len(found["data"]) == expected_size
            seen.extend(item["id"] for item in found["data"])
        assert len(seen) == len(set(seen)) == CDR_COUNT
        assert set(seen) == {record["id"] for record in records}

    def test_largest_page(self, client: Client) -> None:
        """limit=5000 is accepted and a page far past the end is empty but keeps the total."""
        assert body(client.get(CDRS, {"limit": MAX_LIMIT, "page": 1}))["total"] == CDR_COUNT
        assert body(client.get(CDRS, {"limit": MAX_LIMIT, "page": 2_147_483_647})) == {"data": [], "total": CDR_COUNT}


class TestOrder:
    """`sort` and `dir` order the records; ties are broken the same way every time."""

    @pytest.mark.parametrize("direction", ["ASC", "DESC"])
    @pytest.mark.parametrize("field", ["calldate", "id"])
    def test_sort(self, client: Client, records: list[Record], field: str, direction: str) -> None:
        """sort and dir give the records in the order of the field (then id), ascending or descending."""
        found = body(client.get(CDRS, {"sort": field, "dir": direction, "limit": MAX_LIMIT}))
        expected = sorted(records, key=lambda record: (record[field], record["id"]), reverse=direction == "DESC")
        assert [item["id"] for item in found["data"]] == [record["id"] for record in expected]

    def test_sort_defaults_to_ascending(self, client: Client) -> None:
        """sort without dir orders ascending."""
        without = body(client.get(CDRS, {"sort": "calldate", "limit": MAX_LIMIT}))["data"]
        ascending = body(client.get(CDRS, {"sort": "calldate", "dir": "ASC", "limit": MAX_LIMIT}))["data"]
        assert without == ascending
        dates = [item["calldate"] for item in without]
        assert dates == sorted(dates)

    def test_dir_without_sort_orders_by_id(self, client: Client, records: list[Record]) -> None:
        """dir alone orders by id."""
        found = body(client.get(CDRS, {"dir": "DESC", "limit": MAX_LIMIT}))["data"]
        assert [item["id"] for item in found] == sorted((record["id"] for record in records), reverse=True)

    @pytest.mark.parametrize("direction", ["ASC", "DESC"])
    @pytest.mark.parametrize("field", ["duration", "disposition"])
    def test_ties_are_deterministic(self, client: Client, field: str, direction: str) -> None:
        """Records with equal sort keys come in one fixed order (by id, in the sandbox), on every request."""
        params: dict[str, str | int] = {"sort": field, "dir": direction, "limit": MAX_LIMIT}
        first = body(client.get(CDRS, params))["data"]
        assert first == body(client.get(CDRS, params))["data"]
        keys = [item[field] for item in first]
        assert keys == sorted(keys, reverse=direction == "DESC")
        assert len(set(keys)) < len(keys), "the field should have ties"
        groups: dict[Any, list[int]] = {}
        for item in first:
            groups.setdefault(item[field], []).append(item["id"])
        tied = [ids for ids in groups.values() if len(ids) > 1]
        by_id = all(ids == sorted(ids) for ids in tied) or all(ids == sorted(ids, reverse=True) for ids in tied)
        assert by_id, "ties should be ordered by id"

    def test_sort_and_filter_and_page(self, client: Client, records: list[Record]) -> None:
        """Filter, order and page combine: the page is the right slice of the ordered matches."""
        condition = {"property": "disposition", "operator": "eq", "value": "ANSWERED"}
        matching = [record for record in records if matches(record, condition)]
        ordered = sorted(matching, key=lambda record: (record["duration"], record["id"]), reverse=True)
        found = filtered(client, [condition], sort="duration", dir="DESC", limit=10, page=2)
        assert found["total"] == len(matching)
        assert [item["duration"] for item in found["data"]] == [record["duration"] for record in ordered[10:20]]


class TestRefusedParameters:
    """Invalid paging, sorting and filtering parameters answer 400 with a message."""

    @pytest.mark.parametrize(
        "condition",
        [
            {"property": "nope", "operator": "eq", "value": 1},
            {"property": "ddi_e164", "operator": "eq", "value": 1},
            {"property": "account_id", "operator": "eq", "value": 123456},
            {"property": "ID", "operator": "eq", "value": 1},
        ],
        ids=["unknown", "write-only", "internal-column", "wrong-case"],
    )
    def test_unknown_property(self, client: Client, condition: Condition) -> None:
        """A property the records do not have answers 400 "Filtration error"."""
        found = error(client.get(CDRS, {"filter": json.dumps([condition])}), 400)
        assert found["message"] == "Filtration error"

    @pytest.mark.parametrize("operator", ["eq", "gt"])
    def test_a_null_value_is_refused(self, client: Client, operator: str) -> None:
        """The spec allows strings, numbers and booleans as values: null is a Filtration error naming filter."""
        condition = {"property": "dst_codec", "operator": operator, "value": None}
        found = error(client.get(CDRS, {"filter": json.dumps([condition])}), 400)
        assert found["message"] == "Filtration error"
        message = "a filter value is a string, a number or a boolean, not null"
        assert found["errors"] == [{"field": "filter", "message": message, "code": "filter"}]

    @pytest.mark.parametrize("operator", ["between", "in", "ne", "EQ", "=", ""])
    def test_unknown_operator(self, client: Client, operator: str) -> None:
        """An operator outside eq, like, gt, gte, lt and lte answers 400."""
        condition = {"property": "duration", "operator": operator, "value": 10}
        error(client.get(CDRS, {"filter": json.dumps([condition])}), 400)

    @pytest.mark.parametrize(
        "raw",
        [
            "[nope",
            "[",
            '{"property":"id","operator":"eq","value":1}',
            "null",
            '"[]"',
            "[1]",
            '["id"]',
            "[[]]",
            '[{"property":"id","operator":"eq"}]',
            '[{"property":"id","operator":"eq","value":1,"extra":1}]',
            '[{"property":"id","operator":"eq","value":[1]}]',
            '[{"property":"id","operator":"eq","value":{"a":1}}]',
            '[{"property":1,"operator":"eq","value":1}]',
            '[{"property":"dst","operator":"like","value":4}]',
            '[{"property":"duration","operator":"gt","value":null}]',
            "",
        ],
    )
    def test_malformed_filter(self, client: Client, raw: str) -> None:
        """A filter that is not a JSON array of {property, operator, value} objects answers 400."""
        error(client.get(CDRS, {"filter": raw}), 400)

    @pytest.mark.parametrize("field", ["nope", "account_id", "ID", "calldate desc", "calldate;drop", "x" * 65])
    def test_unknown_sort_field(self, client: Client, field: str) -> None:
        """Sorting by something that is not a field of the records answers 400."""
        error(client.get(CDRS, {"sort": field}), 400)

    @pytest.mark.parametrize("direction", ["desc", "asc", "DOWN", ""])
    def test_unknown_direction(self, client: Client, direction: str) -> None:
        """dir other than ASC or DESC answers 400."""
        error(client.get(CDRS, {"sort": "id", "dir": direction}), 400)

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": 5001},
            {"limit": -1},
            {"limit": "ten"},
            {"limit": "1.5"},
            {"page": 0},
            {"page": -1},
            {"page": "first"},
            {"page": 2_147_483_648},
        ],
        ids=[
            "limit-0",
            "limit-5001",
            "limit-negative",
            "limit-word",
            "limit-fraction",
            "page-0",
            "page-negative",
            "page-word",
            "page-above-int32",
        ],
    )
    def test_out_of_range_paging(self, client: Client, params: dict[str, str | int]) -> None:
        """limit outside 1..5000 and page below 1 (or not an integer) answer 400."""
        error(client.get(CDRS, params), 400)

    @pytest.mark.parametrize("name", ["limt", "pages", "offset", "order", "direction", "filters", "foo"])
    def test_unknown_query_parameter(self, client: Client, name: str) -> None:
        """A query parameter the operation does not declare, misspelled or unknown, answers 400."""
        error(client.get(CDRS, {name: 5}), 400)

    @pytest.mark.parametrize("path", COLLECTIONS)
    def test_every_collection_refuses_bad_parameters(self, client: Client, path: str) -> None:
        """Every list operation refuses an unknown property, an unknown sort field and limit 0."""
        name = refused_name(path)
        bad_filter = json.dumps([{"property": name, "operator": "eq", "value": 1}])
        assert error(client.get(path, {"filter": bad_filter}), 400)["message"] == "Filtration error"
        error(client.get(path, {"sort": name}), 400)
        error(client.get(path, {"limit": 0}), 400)
        error(client.get(path, {"limt": 1}), 400)


class TestOtherCollections:
    """The other collections filter, count and order the same way."""

    @pytest.mark.parametrize("path", COLLECTIONS)
    def test_filter_by_id(self, client: Client, path: str) -> None:
        """Every collection filters on id and counts the matches, against all its items."""
        everything = body(client.get(path, {"limit": MAX_LIMIT}))
        items: list[Record] = everything["data"]
        assert len(items) == everything["total"] > 1
        pivot = items[len(items) // 2]["id"]
        condition = {"property": "id", "operator": "gte", "value": pivot}
        found = body(client.get(path, {"filter": json.dumps([condition]), "limit": MAX_LIMIT}))
        assert [item["id"] for item in found["data"]] == expected_ids(items, [condition])
        assert found["total"] == len(expected_ids(items, [condition]))
        descending = body(client.get(path, {"sort": "id", "dir": "DESC", "limit": MAX_LIMIT}))["data"]
        assert [item["id"] for item in descending] == sorted((item["id"] for item in items), reverse=True)


class TestUntypedFields:
    """Fields the spec gives no single type (anyOf: stored as JSON text) are filtered and sorted by their JSON value,
    as typed fields are: a string without its quotes, a number as a number."""

    @pytest.mark.parametrize(
        "condition",
        [
            {"property": "allowed_countries", "operator": "eq", "value": "GB,IE"},
            {"property": "allowed_countries", "operator": "like", "value": "GB%"},
            {"property": "culture", "operator": "lt", "value": 10},
            {"property": "culture", "operator": "gte", "value": 1},
            {"property": "position", "operator": "gt", "value": 4},
        ],
        ids=["eq-string", "like-string", "lt-number", "gte-number", "gt-number"],
    )
    def test_filter(self, client: Client, condition: Condition) -> None:
        """Each condition on a website field the spec types loosely (culture, position: an integer or a string, stored
        as JSON text) or as text selects what a scan of the websites selects (something)."""
        websites = body(client.get(WEBSITES, {"limit": MAX_LIMIT}))["data"]
        wanted = expected_ids(websites, [condition])
        assert wanted, "the condition should select a seeded website"
        found = body(client.get(WEBSITES, {"filter": json.dumps([condition]), "limit": MAX_LIMIT}))
        assert [item["id"] for item in found["data"]] == wanted
        assert found["total"] == len(wanted)

    @pytest.mark.parametrize("direction", ["ASC", "DESC"])
    @pytest.mark.parametrize("field", ["culture", "position"])
    def test_sort(self, client: Client, field: str, direction: str) -> None:
        """Sorting on an untyped field orders the websites by its value, then id."""
        websites = body(client.get(WEBSITES, {"limit": MAX_LIMIT}))["data"]
        expected = sorted(websites, key=lambda item: (item[field], item["id"]), reverse=direction == "DESC")
        found = body(client.get(WEBSITES, {"sort": field, "dir": direction, "limit": MAX_LIMIT}))["data"]
        assert [item["id"] for item in found] == [item["id"] for item in expected]


# What the sandbox has of a visitor: id, the fields the spec declares for a Visitor (the store keeps those
# alone, whatever the seed invents), each served on every visitor.
VISITOR_FIELDS = ["id", *(name for name in SCHEMAS["Visitor"]["properties"] if name != "id")]
# Names its sort's pattern takes that it does not have: the fields the seed makes up for a visitor but the
# spec does not declare (never stored), and the columns the store keeps to itself (the owner, SQLite's row
# id aliases). Names the pattern refuses are refused by it (test_names_the_pattern_refuses).
UNKNOWN_VISITOR_NAMES = sorted(
    name
    for name in {*seed_account(DEMO_ACCOUNT.user_id, cdrs=0).tables["visitors"][0], "account_id", "rowid", "oid"}
    if name not in VISITOR_FIELDS and re.search(sort_schema(VISITORS)["pattern"], name)
)


class TestOpenSort:
    """A list whose sort parameter has no enum (visitors) sorts and filters on the names its pattern takes
    that are fields the sandbox has (id and those the spec declares); any other is refused with 400, as the
    spec says the service does: `sort` naming sort, `filter` with "Filtration error"."""

    @pytest.fixture(autouse=True)
    def _visitors_sort_is_open(self) -> None:
        assert "enum" not in sort_schema(VISITORS), "the visitors' sort parameter should have no enum"
        assert UNKNOWN_VISITOR_NAMES, "no name the visitors lack: nothing to refuse"
        assert {"name", "account_id", "rowid"} <= set(UNKNOWN_VISITOR_NAMES)

    def visitors(self, client: Client, **params: str | int) -> list[Record]:
        found = body(client.get(VISITORS, {"limit": MAX_LIMIT, **params}))
        assert found["total"] == len(found["data"])
        items: list[Record] = found["data"]
        return items

    def test_the_fields_it_has_are_those_it_serves(self, client: Client) -> None:
        """Every visitor holds exactly the fields the sandbox sorts and filters on."""
        visitors = self.visitors(client)
        assert len(visitors) > 3
        assert all(list(item) == VISITOR_FIELDS for item in visitors)

    @pytest.mark.parametrize("direction", ["ASC", "DESC"])
    @pytest.mark.parametrize("field", VISITOR_FIELDS)
    def test_sort_by_each_field_it_has(self, client: Client, field: str, direction: str) -> None:
        """Sorting by a field a visitor has orders by it (then id), in the direction asked."""
        visitors = self.visitors(client)
        expected = sorted(visitors, key=lambda item: (item[field], item["id"]), reverse=direction == "DESC")
        found = self.visitors(client, sort=field, dir=direction)
        assert [item["id"] for item in found] == [item["id"] for item in expected]

    @pytest.mark.parametrize("operator", sorted(COMPARISONS))
    @pytest.mark.parametrize("field", VISITOR_FIELDS)
    def test_filter_on_each_field_it_has(self, client: Client, field: str, operator: str) -> None:
        """A condition on a field a visitor has selects the visitors that meet it."""
        visitors = self.visitors(client)
        condition = {"property": field, "operator": operator, "value": visitors[2][field]}
        expected = [item["id"] for item in visitors if matches(item, condition)]
        assert expected, condition
        found = self.visitors(client, filter=json.dumps([condition]))
        assert [item["id"] for item in found] == expected

    @pytest.mark.parametrize("direction", ["ASC", "DESC"])
    @pytest.mark.parametrize("field", UNKNOWN_VISITOR_NAMES)
    def test_sort_by_a_name_it_lacks_is_refused(self, client: Client, field: str, direction: str) -> None:
        """Sorting by a name no visitor has (a field only the seed makes up, the owner column, a row id) is
        refused with 400, the error naming `sort` and the name, and the fields it has."""
        found = error(client.get(VISITORS, {"sort": field, "dir": direction}), 400)
        (entry,) = found["errors"]
        assert entry["field"] == "sort"
        assert repr(field) in entry["message"]
        assert ", ".join(VISITOR_FIELDS) in entry["message"]

    @pytest.mark.parametrize("operator", OPERATORS)
    @pytest.mark.parametrize("field", UNKNOWN_VISITOR_NAMES)
    def test_a_condition_on_a_name_it_lacks_is_refused(self, client: Client, field: str, operator: str) -> None:
        """A condition on a name no visitor has is refused with 400 "Filtration error" naming `filter` and the
        name, whatever the operator and value, alone or beside a condition on id."""
        on_id = {"property": "id", "operator": "gte", "value": 1}
        for value in ("%", 123456, 0):
            if operator == "like" and not isinstance(value, str):
                continue
            condition = {"property": field, "operator": operator, "value": value}
            for conditions in ([condition], [on_id, condition]):
                found = error(client.get(VISITORS, {"filter": json.dumps(conditions)}), 400)
                assert found["message"] == "Filtration error"
                (entry,) = found["errors"]
                assert entry["field"] == "filter"
                assert repr(field) in entry["message"]

    @pytest.mark.parametrize("name", ["Name", "1st", "a-b", "name desc", "x" * 65, ""])
    def test_names_the_pattern_refuses(self, client: Client, name: str) -> None:
        """A name the sort parameter's schema refuses is refused by sort (400) and by filter (Filtration error)."""
        if name:
            error(client.get(VISITORS, {"sort": name}), 400)
        condition = {"property": name, "operator": "eq", "value": 1}
        found = error(client.get(VISITORS, {"filter": json.dumps([condition])}), 400)
        assert found["message"] == "Filtration error"

    def test_lists_with_an_enum_still_refuse_other_names(self, client: Client) -> None:
        """A name outside a sort enum is still refused by sort and filter."""
        assert "name" not in sort_schema(CDRS)["enum"]
        error(client.get(CDRS, {"sort": "name"}), 400)
        condition = {"property": "name", "operator": "eq", "value": 1}
        assert error(client.get(CDRS, {"filter": json.dumps([condition])}), 400)["message"] == "Filtration error"


class TestVersions:
    """/v1.2/voipstudio answers exactly as /v1.1/voipstudio."""

    @pytest.mark.parametrize(
        ("path", "params"),
        [
            (
                CDRS,
                {
                    "filter": '[{"property":"disposition","operator":"eq","value":"ANSWERED"}]',
                    "sort": "calldate",
                    "dir": "DESC",
                    "limit": 25,
                    "page": 2,
                },
            ),
            (CDRS, {"limit": MAX_LIMIT}),
            (SETTINGS, {}),
            ("/callmeback/websites", {"sort": "name"}),
            ("/callmeback/visitors", {"limit": 50, "page": 3}),
            (f"{SETTINGS}/1", {}),
            (CDRS, {"filter": '[{"property":"nope","operator":"eq","value":1}]'}),
            (CDRS, {"limit": 0}),
            (f"{SETTINGS}/999999", {}),
        ],
        ids=[
            "cdrs-page",
            "cdrs-all",
            "settings",
            "websites",
            "visitors",
            "setting",
            "bad-filter",
            "bad-limit",
            "missing",
        ],
    )
    def test_same_answer(self, seeded: InProcessSandbox, path: str, params: dict[str, str | int]) -> None:
        """The same request under both versions gets the same status and the same body."""
        v11, v12 = (seeded.client(version=version).get(path, params) for version in API_VERSIONS)
        assert v11.status_code == v12.status_code
        assert v11.json() == v12.json()
        assert v11.status_code in (200, 400, 404)
