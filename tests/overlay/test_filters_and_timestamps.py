"""Filters and timestamps: checked and written before anything is sent."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from voipstudio_callmeback import Filter, format_timestamp, parse_timestamp
from voipstudio_callmeback._filters import encode_filters


class TestFilter:
    def test_encodes_the_documented_json_array(self) -> None:
        """Conditions become the JSON array of property/operator/value objects the service reads."""
        encoded = encode_filters([Filter("calldate", "gte", datetime(2026, 3, 1, 8, 5, 9)), Filter("type", "eq", "O")])
        assert encoded is not None
        assert json.loads(encoded) == [
            {"property": "calldate", "operator": "gte", "value": "2026-03-01 08:05:09"},
            {"property": "type", "operator": "eq", "value": "O"},
        ]

    def test_a_date_is_its_midnight(self) -> None:
        """A date is sent as the timestamp of its midnight."""
        assert Filter("calldate", "lt", date(2026, 4, 1)).to_dict()["value"] == "2026-04-01 00:00:00"

    def test_no_conditions_send_no_filter(self) -> None:
        """None or an empty list means no filter parameter at all."""
        assert encode_filters(None) is None
        assert encode_filters([]) is None

    @pytest.mark.parametrize("operator", ["between", "ne", "EQ", ""])
    def test_unknown_operators_are_refused(self, operator: Any) -> None:
        """Only eq, like, gt, gte, lt and lte exist; anything else is a ValueError naming them."""
        with pytest.raises(ValueError, match="eq, like, gt, gte, lt, lte"):
            Filter("id", operator, 1)

    def test_like_needs_a_string(self) -> None:
        """like takes a string pattern."""
        with pytest.raises(TypeError, match="like"):
            Filter("duration", "like", 5)

    @pytest.mark.parametrize("value", [None, [1], {"a": 1}, object()])
    def test_values_must_be_scalars(self, value: Any) -> None:
        """A value is a string, number, boolean or datetime."""
        with pytest.raises(TypeError):
            Filter("id", "eq", value)

    def test_property_is_required(self) -> None:
        """A condition names a field."""
        with pytest.raises(ValueError, match="property"):
            Filter("", "eq", 1)

    def test_only_filter_objects_are_accepted(self) -> None:
        """A plain dict is refused, so a typo cannot reach the service unchecked."""
        with pytest.raises(TypeError, match="Filter"):
            encode_filters([{"property": "id", "operator": "eq", "value": 1}])  # type: ignore[list-item]


class TestTimestamps:
    def test_round_trip(self) -> None:
        """The service's format parses to a naive datetime and back, unchanged."""
        moment = parse_timestamp("2022-08-31 22:35:24")
        assert moment == datetime(2022, 8, 31, 22, 35, 24)
        assert moment.tzinfo is None
        assert format_timestamp(moment) == "2022-08-31 22:35:24"

    def test_rfc3339_is_not_the_service_format(self) -> None:
        """An ISO timestamp with T and a zone is not what the service writes."""
        with pytest.raises(ValueError, match="does not match format"):
            parse_timestamp("2022-08-31T22:35:24Z")
