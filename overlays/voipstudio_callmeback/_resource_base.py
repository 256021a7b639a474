"""What every resource method does, written once for the sync and the async client.

A resource method (in _resources.py, generated from the spec) names its operation in the
generated package's OPERATIONS table and hands over its arguments. Here they are checked
against the operation's JSON schemas (so that a bad `limit` or an unknown field fails before
any request, with the bounds the spec states), the request is made by the operation's own
`build`, and the answer is parsed into the model the table names and unwrapped from its
`data` envelope. Only the line that waits for the answer differs between sync and async.

A resource made by `_raw_copy()` returns each call's raw answer (`APIResponse`) instead;
`to_raw` and its kin give its methods the types that say so (`with_raw_response`).
"""

from __future__ import annotations

import datetime
import functools
import inspect
import keyword
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, Self, TypeVar, cast

import httpx
from voipstudio_callmeback_client.operations import Operation, Parameter
from voipstudio_callmeback_client.types import UNSET

from ._base import parse, parse_empty
from ._filters import Filter, encode_filters
from ._pagination import AsyncPaginator, Page, SyncPaginator
from ._response import APIResponse
from ._types import DEFAULT_OPTIONS, Options

if TYPE_CHECKING:
    from ._client import Sent

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

# The query parameter that holds a list's filter: Filter objects, sent as the JSON text the service reads.
FILTER_PARAMETER = "filter"
SORT_PARAMETER = "sort"
# The query parameter paginators set themselves.
PAGE_PARAMETER = "page"


def method_keyword(parameter: Parameter) -> str:
    """The keyword a resource method takes a parameter by: its name as sent, where Python allows it
    (`dir`, `filter`), else the generated function's (`from_`). scripts/lib/join.py names them so."""
    name = parameter.name
    return name if name.isidentifier() and not keyword.iskeyword(name) else parameter.python_name


class SyncCaller(Protocol):
    @property
    def base_url(self) -> str: ...

    def _request(self, request: dict[str, Any], options: Options) -> Sent: ...


class AsyncCaller(Protocol):
    @property
    def base_url(self) -> str: ...

    async def _request(self, request: dict[str, Any], options: Options) -> Sent: ...


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
    """Raise ValueError or TypeError when value is not one the schema allows (name says which argument, and
    where inside it: `routing.queue`, `hidden_on[2]`): types, bounds, enums, patterns, the formats date and
    date-time, the items of arrays, the members of objects and maps, and unions and compositions of these."""
    if value is None and (schema.get("nullable") or None in (schema.get("enum") or ())):
        return
    for member in schema.get("allOf") or ():
        check_argument(name, member, value)
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        _check_union(name, members, value)
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
        _check_string(name, schema, value)
    elif kind == "array":
        _check_array(name, schema, value)
    elif kind == "object" or "properties" in schema:
        _check_object(name, schema, value)


def _check_union(name: str, members: list[Any], value: Any) -> None:
    """A value one of the members takes; else TypeError naming what each would take."""
    problems = []
    for member in members:
        try:
            check_argument(name, member, value)
        except (TypeError, ValueError) as exc:
            problems.append(str(exc).removeprefix(f"{name} must be ").split(", not ")[0].split("; not ")[0])
        else:
            return
    raise TypeError(f"{name} must be {' or '.join(dict.fromkeys(problems))}, not {value!r}")


# The string formats checked before sending: those whose values the generated models parse.
_FORMATS = {
    "date": (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "a date, YYYY-MM-DD"),
    "date-time": (
        re.compile(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
        ),
        "an RFC 3339 date-time, YYYY-MM-DDTHH:MM:SSZ",
    ),
}


def _check_string(name: str, schema: Mapping[str, Any], value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text, not {type(value).__name__}")
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    if (shortest is not None and len(value) < shortest) or (longest is not None and len(value) > longest):
        lengths = f"{shortest or 0} to {longest}" if longest is not None else f"at least {shortest}"
        raise ValueError(f"{name} must be {lengths} characters long, not {len(value)}")
    pattern = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        raise ValueError(f"{name} must match {pattern}, not {value!r}")
    form = _FORMATS.get(str(schema.get("format")))
    if form is not None:
        shape, words = form
        try:
            valid = shape.fullmatch(value) is not None and bool(datetime.date.fromisoformat(value[:10]))
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(f"{name} must be {words}, not {value!r}")


def _check_array(name: str, schema: Mapping[str, Any], value: Any) -> None:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list, not {type(value).__name__}")
    fewest, most = schema.get("minItems"), schema.get("maxItems")
    if (fewest is not None and len(value) < fewest) or (most is not None and len(value) > most):
        counts = f"{fewest or 0} to {most}" if most is not None else f"at least {fewest}"
        raise ValueError(f"{name} must hold {counts} items, not {len(value)}")
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            check_argument(f"{name}[{index}]", items, item)


def _check_object(name: str, schema: Mapping[str, Any], value: Any) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be an object (a dict), not {type(value).__name__}")
    properties = schema.get("properties") or {}
    missing = [member for member in schema.get("required") or () if member not in value]
    if missing:
        raise TypeError(f"{name}.{missing[0]} is required")
    fewest, most = schema.get("minProperties"), schema.get("maxProperties")
    if (fewest is not None and len(value) < fewest) or (most is not None and len(value) > most):
        counts = f"{fewest or 0} to {most}" if most is not None else f"at least {fewest}"
        raise ValueError(f"{name} must hold {counts} members, not {len(value)}")
    extra = schema.get("additionalProperties", True)
    for member, item in value.items():
        if not isinstance(member, str):
            raise TypeError(f"{name} must have text keys, not {type(member).__name__}")
        if member in properties:
            check_argument(f"{name}.{member}", properties[member], item)
        elif extra is False:
            known = ", ".join(properties) or "none"
            raise TypeError(f"{name} has no member {member!r}; its members are {known}")
        elif isinstance(extra, Mapping):
            check_argument(f"{name}.{member}", extra, item)


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


def _argument(parameter: Parameter, quick: Callable[[Any], bool], value: Any, sort: Parameter | None = None) -> Any:
    """The value build() takes for a parameter, checked; UNSET for None (the parameter is left out)."""
    if value is None:
        if parameter.required:
            raise TypeError(f"{parameter.name} is required")
        return UNSET
    if parameter.name == FILTER_PARAMETER and parameter.location == "query":
        conditions = _filters(value)
        value = encode_filters(conditions)
        if value is None:  # no condition: no filter
            return UNSET
        if not quick(value):
            try:
                check_argument(parameter.name, parameter.schema, value)
            except ValueError:
                raise ValueError(explain_filter(conditions, parameter.schema, sort)) from None
        return value
    if not quick(value):
        check_argument(parameter.name, parameter.schema, value)
    return value


def explain_filter(conditions: list[Filter], schema: Mapping[str, Any], sort: Parameter | None) -> str:
    """Why the spec's filter pattern refuses these conditions, in words: the first condition it refuses
    alone (a field the list's `sort` enum does not name, or a value beyond the pattern's bounds), else
    their number."""
    fields = (sort.schema.get("enum") if sort is not None else None) or None
    pattern = str(schema.get("pattern") or "")
    for number, condition in enumerate(conditions, 1):
        if re.search(pattern, encode_filters([condition]) or "") is not None:
            continue
        if fields is not None and condition.property not in fields:
            return (
                f"filter condition {number}: the list has no field {condition.property!r} to filter on; "
                f"it filters on {', '.join(map(str, fields))}"
            )
        return (
            f"filter condition {number} ({condition.property} {condition.operator} {condition.value!r}) is not one "
            "the spec's filter pattern admits (a string value too long, a number too large or too precise, or a "
            "field name it does not take)"
        )
    return f"filter: {len(conditions)} conditions are more than the spec's filter pattern admits"


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
    # The schema says which are required: a TypedDict's __required_keys__ cannot, when its module has
    # postponed annotations (Required[...] is then a string that Python 3.11 does not read).
    required = frozenset(operation.body.schema.get("required") or ())
    allowed = required | params.__required_keys__ | params.__optional_keys__
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
        check_argument(name, properties.get(name) or {}, value)
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
        sort = parameters.query.get(SORT_PARAMETER, (None,))[0]
        for name, (parameter, quick) in parameters.query.items():
            arguments[parameter.python_name] = _argument(parameter, quick, query.get(name), sort)
    elif query:
        raise TypeError(f"{operation.id} has no parameter {', '.join(sorted(query))}")
    if operation.body is not None:
        arguments["body"] = body(operation, fields or {})
    built: dict[str, Any] = operation.build(**arguments)
    return built


# --- answers ------------------------------------------------------------------------------------


def answer(operation: Operation, response: httpx.Response, base_url: str) -> Any:
    """The model of an operation's answer as the table says (None for no body), or the client's error."""
    collection = not any(parameter.location == "path" for parameter in operation.parameters)
    if operation.response is None:
        parse_empty(response, operation.status, base_url, collection=collection)
        return None
    return parse(response, operation.status, operation.response, base_url, collection=collection)


def unwrap(operation: Operation, answer: Any, item: type[T] | None) -> T:
    """The item of an answer: the answer itself, or its `data` envelope's content (None: no item)."""
    if item is None or type(answer) is item:
        found: T = answer
        return found
    data = getattr(answer, "data", None)
    if not isinstance(data, item):  # parse() built the table's model: only a stale _resources.py gets here
        raise RuntimeError(f"{operation.id} answers no {item.__name__}: run scripts/regenerate")
    return data


def page(operation: Operation, sent: Sent, number: int, item: type[T], base_url: str) -> Page[T]:
    """A page of a list operation's answer ({"data": [...], "total": N}, checked by parse()), with its raw answer."""
    parsed = answer(operation, sent.response, base_url)
    items = parsed.data
    if items and not isinstance(items[0], item):  # as in unwrap()
        raise RuntimeError(f"{operation.id} answers no page of {item.__name__}: run scripts/regenerate")
    raw = (sent.response, sent.retries_taken, sent.seconds)
    return Page(items=items, number=number, total=parsed.total, _answer=raw)


def _list_query(operation: Operation, query: Mapping[str, Any], options: Options) -> dict[str, Any]:
    """The query of a list, checked now (not at the first page), with `page` left for the paginator."""
    if operation.parameter(PAGE_PARAMETER) is None:
        raise TypeError(f"{operation.id} has no {PAGE_PARAMETER} parameter to read it page by page")
    if options.extra_query and PAGE_PARAMETER in options.extra_query:
        raise TypeError(
            f"extra_query cannot set {PAGE_PARAMETER!r} of a list: the paginator does (.page(n) fetches one page)"
        )
    checked = dict(query)
    if checked.get(FILTER_PARAMETER) is not None:
        checked[FILTER_PARAMETER] = tuple(_filters(checked[FILTER_PARAMETER]))
    request(operation, query={**checked, PAGE_PARAMETER: 1})
    return checked


# --- the two kinds of resource ------------------------------------------------------------------


def attached(owner: Any, kind: Callable[[Any], R]) -> R:
    """The owner's `kind(owner)`, made at its first use: a client's resources, a resource's raw form."""
    made: dict[Any, Any] = owner.__dict__.setdefault("_attached", {})
    found = made.get(kind)
    if found is None:
        found = made[kind] = kind(owner)
    resource: R = found
    return resource


class SyncResource:
    """A resource of the sync client: its methods call one operation each."""

    def __init__(self, client: SyncCaller, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    def _raw_copy(self) -> Self:
        """This resource, returning raw answers (see with_raw_response)."""
        return type(self)(self._client, raw=True)

    def _one(
        self,
        operation: Operation,
        item: type[T] | None,
        *path: Any,
        fields: Mapping[str, Any] | None = None,
        options: Options = DEFAULT_OPTIONS,
    ) -> T:
        client = self._client
        sent = client._request(request(operation, path, fields=fields), options)
        if self._raw:
            return cast(T, _raw(operation, item, sent, client.base_url))
        return unwrap(operation, answer(operation, sent.response, client.base_url), item)

    def _none(self, operation: Operation, *path: Any, options: Options = DEFAULT_OPTIONS) -> None:
        """Call an operation that answers no body: None (the raw copy: the APIResponse, which to_raw types)."""
        return cast(None, self._one(operation, None, *path, options=options))

    def _list(
        self, operation: Operation, item: type[T], query: Mapping[str, Any], *, options: Options = DEFAULT_OPTIONS
    ) -> SyncPaginator[T]:
        checked = _list_query(operation, query, options)
        client = self._client

        def fetch(number: int) -> Page[T]:
            sent = client._request(request(operation, query={**checked, PAGE_PARAMETER: number}), options)
            return page(operation, sent, number, item, client.base_url)

        if not self._raw:
            return SyncPaginator(fetch)
        first = fetch(1)
        return cast(SyncPaginator[T], _first_page(first.response, lambda: SyncPaginator(fetch, first=first)))


class AsyncResource:
    """A resource of the async client: its methods call one operation each."""

    def __init__(self, client: AsyncCaller, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    def _raw_copy(self) -> Self:
        """This resource, returning raw answers (see with_raw_response)."""
        return type(self)(self._client, raw=True)

    async def _one(
        self,
        operation: Operation,
        item: type[T] | None,
        *path: Any,
        fields: Mapping[str, Any] | None = None,
        options: Options = DEFAULT_OPTIONS,
    ) -> T:
        client = self._client
        sent = await client._request(request(operation, path, fields=fields), options)
        if self._raw:
            return cast(T, _raw(operation, item, sent, client.base_url))
        return unwrap(operation, answer(operation, sent.response, client.base_url), item)

    async def _none(self, operation: Operation, *path: Any, options: Options = DEFAULT_OPTIONS) -> None:
        """Call an operation that answers no body: None (the raw copy: the APIResponse, which to_raw types)."""
        return cast(None, await self._one(operation, None, *path, options=options))

    def _list(
        self,
        operation: Operation,
        item: type[T],
        query: Mapping[str, Any],
        *,
        prefetch: int = 4,
        options: Options = DEFAULT_OPTIONS,
    ) -> AsyncPaginator[T]:
        checked = _list_query(operation, query, options)
        client = self._client

        async def fetch(number: int) -> Page[T]:
            sent = await client._request(request(operation, query={**checked, PAGE_PARAMETER: number}), options)
            return page(operation, sent, number, item, client.base_url)

        paginator = AsyncPaginator(fetch, prefetch=prefetch)  # checks prefetch now, raw or not
        if not self._raw:
            return paginator

        async def first_page() -> APIResponse[AsyncPaginator[T]]:
            first = await fetch(1)
            return _first_page(first.response, lambda: AsyncPaginator(fetch, prefetch=prefetch, first=first))

        return cast(AsyncPaginator[T], first_page())


def _raw(operation: Operation, item: type[T] | None, sent: Sent, base_url: str) -> APIResponse[T]:
    """The raw answer of a call; an error status raises its error now, as the call itself would."""
    response = sent.response
    if not response.is_success:
        answer(operation, response, base_url)  # raises the call's error
    parse = lambda: unwrap(operation, answer(operation, response, base_url), item)  # noqa: E731
    return APIResponse(response, sent.retries_taken, parse, sent.seconds)


def _first_page(response: APIResponse[Any], paginator: Callable[[], R]) -> APIResponse[R]:
    """The raw answer of a list: its first page's, parsed into the paginator that starts with it."""
    return APIResponse(response._response, response.retries_taken, paginator, response._seconds)


# --- with_raw_response: the raw copy's methods, typed as they are -------------------------------

_RAW_NOTE = "Returns the raw answer (APIResponse) of the call; its parse() gives what {name}() returns.\n\n"


def _noted(method: Callable[..., Any], wrapper: Callable[..., Any]) -> Callable[..., Any]:
    """The wrapper, named and documented as the method, with the return type help() should show."""
    functools.update_wrapper(wrapper, method)
    wrapper.__doc__ = _RAW_NOTE.format(name=method.__name__) + inspect.cleandoc(method.__doc__ or "")
    signature = inspect.signature(method)
    returned = signature.return_annotation
    shown = returned if isinstance(returned, str) else getattr(returned, "__name__", str(returned))
    wrapper.__signature__ = signature.replace(return_annotation=f"APIResponse[{shown}]")  # type: ignore[attr-defined]
    return wrapper


def to_raw(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """A sync raw-copy method, typed as returning the APIResponse it returns."""

    def raw(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        return cast(APIResponse[R], method(*args, **kwargs))

    return _noted(method, raw)


def to_raw_async(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    """An async raw-copy method, typed as returning the APIResponse it returns."""

    async def raw(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        return cast(APIResponse[R], await method(*args, **kwargs))

    return _noted(method, raw)


def to_raw_list(method: Callable[P, AsyncPaginator[T]]) -> Callable[P, Awaitable[APIResponse[AsyncPaginator[T]]]]:
    """The async raw copy's list(): it fetches the first page, so it is awaited (the paginator is not)."""

    async def raw(*args: P.args, **kwargs: P.kwargs) -> APIResponse[AsyncPaginator[T]]:
        return await cast(Awaitable[APIResponse[AsyncPaginator[T]]], method(*args, **kwargs))

    return _noted(method, raw)
