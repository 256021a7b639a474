"""Filters for list operations, checked before they are sent."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Union

from ._timestamps import format_timestamp

Operator = Literal["eq", "like", "gt", "gte", "lt", "lte"]
OPERATORS: tuple[str, ...] = ("eq", "like", "gt", "gte", "lt", "lte")
FilterValue = Union[str, int, float, bool, datetime, date]  # noqa: UP007 - also a runtime tuple below


@dataclass(frozen=True)
class Filter:
    """One condition of a list's filter: `Filter("calldate", "gte", datetime(2026, 1, 1))`.

    Operators: eq, like (SQL LIKE, `%` matches any run of characters), gt, gte, lt, lte.
    A naive datetime is sent as the service writes timestamps, `YYYY-MM-DD HH:MM:SS` (one
    with a time zone is refused: the service states none); a date as its midnight.
    """

    property: str
    operator: Operator
    value: FilterValue

    def __post_init__(self) -> None:
        if not isinstance(self.property, str) or not self.property:
            raise ValueError("a filter needs the name of a field as its property")
        if self.operator not in OPERATORS:
            raise ValueError(f"unknown filter operator {self.operator!r}; use one of {', '.join(OPERATORS)}")
        if not isinstance(self.value, str | int | float | bool | datetime | date):
            raise TypeError(
                f"a filter value must be a string, number, boolean or datetime, not {type(self.value).__name__}"
            )
        if self.operator == "like" and not isinstance(self.value, str):
            raise TypeError("the like operator takes a string pattern")
        if isinstance(self.value, float) and not math.isfinite(self.value):
            raise ValueError("a filter number must be finite")
        if isinstance(self.value, datetime) and self.value.tzinfo is not None:
            raise ValueError("the service's timestamps carry no time zone; pass a naive datetime in the account's time")

    def to_dict(self) -> dict[str, str | int | float | bool]:
        value = self.value
        if isinstance(value, datetime):
            value = format_timestamp(value)
        elif isinstance(value, date):
            value = format_timestamp(datetime(value.year, value.month, value.day))
        return {"property": self.property, "operator": self.operator, "value": value}


def encode_filters(filters: Iterable[Filter] | None) -> str | None:
    """The `filter` query value: the conditions as a JSON array, or None for no filter."""
    if filters is None:
        return None
    conditions = list(filters)
    for condition in conditions:
        if not isinstance(condition, Filter):
            raise TypeError(f"filter= takes Filter objects, not {type(condition).__name__}")
    return json.dumps([condition.to_dict() for condition in conditions], separators=(",", ":")) if conditions else None
