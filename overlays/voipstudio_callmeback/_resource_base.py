"""What every resource method does, written once for the sync and the async client.

A resource method (in _resources.py, generated from the spec) names its operation in the
generated package's OPERATIONS table and hands over its arguments. Here they are checked
against the operation's JSON schemas (so that a bad `limit` or an unknown field fails before
any request, with the bounds the spec states), the request is made by the operation's own
`build`, and the answer is parsed into the model the table names and unwrapped from its
`data` envelope. Only the line that waits for the answer differs between sync and async.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from voipstudio_callmeback_client.operations import Operation, Parameter
from voipstudio_callmeback_client.types import UNSET

from ._filters import Filter, encode_filters
from ._pagination import AsyncPaginator, Page, SyncPaginator

T = TypeVar("T")

# The query parameter that holds a list's filter: Filter objects, sent as the JSON text the service reads.
FILTER_PARAMETER = "filter"
# The query parameter paginators set themselves.
PAGE_PARAMETER = "page"


def method_keyword(parameter: Parameter) -> str:
    """The keyword a resource method takes a parameter by: its name as sent, where Python allows it
    (`dir`, `filter`), else the generated function's (`from_`). scripts/lib/join.py names them so."""
    name = parameter.name
    return name if name.isidentifier() and not keyword.iskeyword(name) else parameter.python_name


class SyncCaller(Protocol):
    def _call(self, operation: Operation, request: dict[str, Any]) -> Any: ...


class AsyncCaller(Protocol):
    async def _call(self, operation: Operation, request: dict[str, Any]) -> Any: ...


# --- arguments, checked against the spec -----------------------------------------------------


def _range_words(schema: Mapping[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f" between {low} and {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


def check_argument(name: str, schema: Mapping[str, Any], value: Any) -> None:
    """Raise ValueError or TypeError when value is not one the schema allows (name says which argument)."""
    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(choice) for choice in schema["enum"])
        raise ValueError(f"{name} must be one of {choices}; not {value!r}")
    if kind == "integer":
        if type(value) is not int:
            raise TypeError(f"{name} must be a whole number{_range_words(schema)}, not {type(value).__name__}")
        if not _within(schema, value):
            raise ValueError(f"{name} must be a whole number{_range_words(schema)}, not {value}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a number{_range_words(schema)}, not {type(value).__name__}")
        if not math.isfinite(value) or not _within(schema, value):
            raise ValueError(f"{name} must be a number{_range_words(schema)}, not {value}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be true or false, not {type(value).__name__}")
    elif kind == "string":
        if not isinstance(value, str):
            raise TypeError(f"{name} must be text, not {type(value).__name__}")
        shortest, longest = schema.get("minLength"), schema.get("maxLength")
        if (shortest is not None and len(value) < shortest) or (longest is not None and len(value) > longest):
            lengths = f"{shortest or 0} to {longest}" if longest is not None else f"at least {shortest}"
            raise ValueError(f"{name} must be {lengths} characters long, not {len(value)}")
        pattern = schema.get("pattern")
        if pattern is not None and re.search(pattern, value) is None:
            raise ValueError(f"{name} must match {pattern}, not {value!r}")


def _within(schema: Mapping[str, Any], value: float) -> bool:
    low, high = schema.get("minimum"), schema.get("maximum")
    return (low is None or value >= low) and (high is None or value <= high)


def accepts(schema: Mapping[str, Any]) -> Callable[[Any], bool]:
    """A quick test of a value against the schema: True means check_argument() would accept it; False
    that check_argument() must say why (it is the one that explains)."""
    kind, low, high = schema.get("type"), schema.get("minimum"), schema.get("maximum")
    if "enum" in schema or schema.get("pattern") or kind not in ("integer", "string"):
        return lambda value: False
    if kind == "integer":
        low = -math.inf if low is None else low
        high = math.inf if high is None else high
        return lambda value: type(value) is int and low <= value <= high
    shortest, longest = schema.get("minLength") or 0, schema.get("maxLength")
    longest = math.inf if longest is None else longest
    return lambda value: type(value) is str and shortest <= len(value) <= longest


def _argument(parameter: Parameter, quick: Callable[[Any], bool], value: Any) -> Any:
    """The value build() takes for a parameter, checked; UNSET for None (the parameter is left out)."""
    if value is None:
        if parameter.required:
            raise TypeError(f"{parameter.name} is required")
        return UNSET
    if parameter.name == FILTER_PARAMETER and parameter.location == "query":
        value = encode_filters(_filters(value))
        if value is None:  # no condition: no filter
            return UNSET
    if not quick(value):
        check_argument(parameter.name, parameter.schema, value)
    return value


def _filters(value: Any) -> list[Filter]:
    if isinstance(value, Filter | str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"filter= takes an iterable of Filter objects, not {type(value).__name__}")
    return list(value)


def body(operation: Operation, fields: Mapping[str, Any]) -> Any:
    """The request body model of operation, made from fields by their JSON names, which are checked
    against the body's TypedDict (unknown or missing fields raise TypeError), its minProperties, and
    each field's schema (a value of the wrong type raises TypeError, one out of bounds ValueError)."""
    if operation.body is None:
        raise TypeError(f"{operation.id} takes no request body")
    params = operation.body.params
    required: frozenset[str] = params.__required_keys__
    allowed = required | params.__optional_keys__
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise TypeError(
            f"{operation.id}: no field {', '.join(map(repr, unknown))}; "
            f"{operation.body.model.__name__} has {', '.join(sorted(allowed))}"
        )
    missing = sorted(required - set(fields))
    if missing:
        raise TypeError(f"{operation.id}: the field {', '.join(map(repr, missing))} is required")
    fewest = operation.body.schema.get("minProperties")
    if fewest is not None and len(fields) < fewest:
        raise ValueError(f"{operation.id} needs at least {'one field' if fewest == 1 else f'{fewest} fields'}")
    properties = operation.body.schema.get("properties") or {}
    for name, value in fields.items():
        schema = properties.get(name) or {}
        if value is not None or not schema.get("nullable"):
            check_argument(name, schema, value)
    return operation.body.model.from_dict(dict(fields))


class _Parameters:
    """An operation's path and query parameters, sorted out once (requests are built on every call)."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.path = tuple(
            (parameter, accepts(parameter.schema)) for parameter in operation.parameters if parameter.location == "path"
        )
        self.query = {
            parameter.name: (parameter, accepts(parameter.schema))
            for parameter in operation.parameters
            if parameter.location == "query"
        }


_parameters: dict[int, _Parameters] = {}


def _parameters_of(operation: Operation) -> _Parameters:
    found = _parameters.get(id(operation))
    if found is None or found.operation is not operation:
        found = _parameters[id(operation)] = _Parameters(operation)
    return found


def request(
    operation: Operation,
    path: tuple[Any, ...] = (),
    query: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The request of an operation (httpx.request's keyword arguments), from its arguments: path
    parameters in order, query parameters and body fields by their JSON names."""
    parameters = _parameters.get(id(operation))
    if parameters is None or parameters.operation is not operation:
        parameters = _parameters_of(operation)
    if len(path) != len(parameters.path):
        raise TypeError(f"{operation.id} takes {len(parameters.path)} path argument(s), not {len(path)}")
    arguments: dict[str, Any] = {}
    for (parameter, quick), value in zip(parameters.path, path, strict=True):
        arguments[parameter.python_name] = value if quick(value) else _argument(parameter, quick, value)
    if parameters.query:
        query = query or {}
        unknown = sorted(set(query) - parameters.query.keys())
        if unknown:
            raise TypeError(f"{operation.id} has no parameter {', '.join(unknown)}")
        for name, (parameter, quick) in parameters.query.items():
            arguments[parameter.python_name] = _argument(parameter, quick, query.get(name))
    elif query:
        raise TypeError(f"{operation.id} has no parameter {', '.join(sorted(query))}")
    if operation.body is not None:
        arguments["body"] = body(operation, fields or {})
    built: dict[str, Any] = operation.build(**arguments)
    return built


# --- answers ------------------------------------------------------------------------------------


def unwrap(operation: Operation, answer: Any, item: type[T]) -> T:
    """The item of an answer: the answer itself, or its `data` envelope's content."""
    if type(answer) is item:
        found: T = answer
        return found
    data = getattr(answer, "data", None)
    if not isinstance(data, item):  # parse() built the table's model: only a stale _resources.py gets here
        raise RuntimeError(f"{operation.id} answers no {item.__name__}: run scripts/regenerate")
    return data


def page(operation: Operation, answer: Any, number: int, item: type[T]) -> Page[T]:
    """A page of a list operation's answer ({"data": [...], "total": N}, checked by the client's parse())."""
    items = answer.data
    if items and not isinstance(items[0], item):  # as in unwrap()
        raise RuntimeError(f"{operation.id} answers no page of {item.__name__}: run scripts/regenerate")
    return Page(items=items, number=number, total=answer.total)


def _list_query(operation: Operation, query: Mapping[str, Any]) -> dict[str, Any]:
    """The query of a list, checked now (not at the first page), with `page` left for the paginator."""
    if operation.parameter(PAGE_PARAMETER) is None:
        raise TypeError(f"{operation.id} has no {PAGE_PARAMETER} parameter to read it page by page")
    checked = dict(query)
    if checked.get(FILTER_PARAMETER) is not None:
        checked[FILTER_PARAMETER] = tuple(_filters(checked[FILTER_PARAMETER]))
    request(operation, query={**checked, PAGE_PARAMETER: 1})
    return checked


# --- the two kinds of resource ------------------------------------------------------------------


class SyncResource:
    """A resource of the sync client: its methods call one operation each."""

    def __init__(self, client: SyncCaller) -> None:
        self._client = client

    def _one(self, operation: Operation, item: type[T], *path: Any, fields: Mapping[str, Any] | None = None) -> T:
        return unwrap(operation, self._client._call(operation, request(operation, path, fields=fields)), item)

    def _none(self, operation: Operation, *path: Any) -> None:
        self._client._call(operation, request(operation, path))

    def _list(self, operation: Operation, item: type[T], query: Mapping[str, Any]) -> SyncPaginator[T]:
        checked = _list_query(operation, query)

        def fetch(number: int) -> Page[T]:
            answer = self._client._call(operation, request(operation, query={**checked, PAGE_PARAMETER: number}))
            return page(operation, answer, number, item)

        return SyncPaginator(fetch)


class AsyncResource:
    """A resource of the async client: its methods call one operation each."""

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client

    async def _one(self, operation: Operation, item: type[T], *path: Any, fields: Mapping[str, Any] | None = None) -> T:
        return unwrap(operation, await self._client._call(operation, request(operation, path, fields=fields)), item)

    async def _none(self, operation: Operation, *path: Any) -> None:
        await self._client._call(operation, request(operation, path))

    def _list(
        self, operation: Operation, item: type[T], query: Mapping[str, Any], *, prefetch: int = 4
    ) -> AsyncPaginator[T]:
        checked = _list_query(operation, query)

        async def fetch(number: int) -> Page[T]:
            answer = await self._client._call(operation, request(operation, query={**checked, PAGE_PARAMETER: number}))
            return page(operation, answer, number, item)

        return AsyncPaginator(fetch, prefetch=prefetch)
