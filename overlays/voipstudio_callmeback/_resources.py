"""The resources of the API, as attributes of the clients: settings, buttons, websites, cdrs, visitors.

Requests are built by the generated package (its `_get_kwargs` functions, one per
operation) and answers parsed into its attrs models, so this layer adds behaviour
(errors, retries, paging) without a second model layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, Literal, Protocol, Required, TypedDict, TypeVar, Unpack

from voipstudio_callmeback_client.api.buttons import create_button, delete_button, get_button, update_button
from voipstudio_callmeback_client.api.call_detail_records import list_cdrs
from voipstudio_callmeback_client.api.settings import (
    create_setting,
    delete_setting,
    get_setting,
    list_settings,
    update_setting,
)
from voipstudio_callmeback_client.api.visitors import list_visitors
from voipstudio_callmeback_client.api.websites import list_websites
from voipstudio_callmeback_client.models import (
    Button,
    ButtonCreate,
    ButtonResponse,
    ButtonUpdate,
    Cdr,
    CdrList,
    Setting,
    SettingCreate,
    SettingList,
    SettingResponse,
    SettingUpdate,
    Visitor,
    VisitorList,
    Website,
    WebsiteList,
)
from voipstudio_callmeback_client.types import UNSET

from ._filters import Filter, encode_filters
from ._pagination import AsyncPaginator, Page, SyncPaginator

T = TypeVar("T")
Item = TypeVar("Item")
Direction = Literal["ASC", "DESC"]


class _SettingFieldsButName(TypedDict, total=False):
    button_id: int
    position: int
    floating_icon: bool
    culture: int
    allowed_countries: str
    show_to_allowed_countries_only: bool
    welcome_screen_msg: str
    privacy_policy_url: str
    ddi_e164: int
    max_call_rate: float


class SettingFields(_SettingFieldsButName, total=False):
    """The fields of widget settings an update may set."""

    name: str


class NewSetting(_SettingFieldsButName, total=False):
    """The fields of new widget settings; `name` is required."""

    name: Required[str]


class _ButtonFieldsButName(TypedDict, total=False):
    data_online: str
    data_offline: str


class ButtonFields(_ButtonFieldsButName, total=False):
    """The fields of a button an update may set."""

    name: str


class NewButton(_ButtonFieldsButName, total=False):
    """The fields of a new button; `name` is required."""

    name: Required[str]


class SyncCaller(Protocol):
    def _call(self, kwargs: dict[str, Any], expected_status: int, model: type[T]) -> T: ...
    def _call_empty(self, kwargs: dict[str, Any], expected_status: int) -> None: ...


class AsyncCaller(Protocol):
    async def _call(self, kwargs: dict[str, Any], expected_status: int, model: type[T]) -> T: ...
    async def _call_empty(self, kwargs: dict[str, Any], expected_status: int) -> None: ...


def _list_kwargs(
    module: Any,
    number: int,
    limit: int | None,
    sort: str | None,
    dir: Direction | None,
    filter: Iterable[Filter] | None,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = module._get_kwargs(
        page=number,
        limit=UNSET if limit is None else limit,
        sort=UNSET if sort is None else sort,
        dir_=UNSET if dir is None else dir,
        filter_=encode_filters(filter) or UNSET,
    )
    return kwargs


def _check_list_arguments(limit: int | None, sort: str | None, dir: Direction | None) -> None:
    if limit is not None and (type(limit) is not int or not 1 <= limit <= 5000):
        raise ValueError("limit must be a whole number between 1 and 5000")
    if sort is not None and not (isinstance(sort, str) and sort):
        raise ValueError("sort names a field")
    if dir is not None and dir not in ("ASC", "DESC"):
        raise ValueError('dir is "ASC" or "DESC"')


def _needs_fields(fields: dict[str, Any]) -> None:
    if not fields:
        raise ValueError("an update needs at least one field")


# --- sync ------------------------------------------------------------------------------------


class _SyncList(Generic[Item]):
    """A collection: `list()` gives every matching item, fetched a page at a time."""

    _module: Any
    _envelope: type[Any]

    def __init__(self, client: SyncCaller) -> None:
        self._client = client

    def list(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        dir: Direction | None = None,
        filter: Iterable[Filter] | None = None,
    ) -> SyncPaginator[Item]:
        """Every matching item, fetched `limit` at a time (the service's default when None) as iteration needs them.

        `sort` names a field, `dir` is "ASC" or "DESC", `filter` holds conditions that must all hold.
        Nothing is fetched until the iteration starts.
        """
        _check_list_arguments(limit, sort, dir)
        conditions = None if filter is None else tuple(filter)
        encode_filters(conditions)  # checked now, not at the first page

        def fetch(number: int) -> Page[Item]:
            envelope = self._client._call(
                _list_kwargs(self._module, number, limit, sort, dir, conditions), 200, self._envelope
            )
            return Page(items=envelope.data, number=number, total=envelope.total)

        return SyncPaginator(fetch)


class Settings(_SyncList[Setting]):
    """Widget settings: create, get, update, delete, list."""

    _module = list_settings
    _envelope = SettingList

    def create(self, **fields: Unpack[NewSetting]) -> Setting:
        """Create widget settings; `name` is required. Returns them as stored."""
        return self._client._call(create_setting._get_kwargs(body=SettingCreate(**fields)), 201, SettingResponse).data

    def get(self, id: int) -> Setting:
        return self._client._call(get_setting._get_kwargs(id), 200, SettingResponse).data

    def update(self, id: int, **fields: Unpack[SettingFields]) -> Setting:
        """Change the fields given, and only those. Returns the settings as stored."""
        _needs_fields(dict(fields))
        return (
            self._client._call(update_setting._get_kwargs(id, body=SettingUpdate(**fields)), 200, SettingResponse)
        ).data

    def delete(self, id: int) -> None:
        self._client._call_empty(delete_setting._get_kwargs(id), 204)


class Buttons:
    """Widget buttons: create, get, update, delete (the API lists no buttons)."""

    def __init__(self, client: SyncCaller) -> None:
        self._client = client

    def create(self, **fields: Unpack[NewButton]) -> Button:
        """Create a button; `name` is required."""
        return self._client._call(create_button._get_kwargs(body=ButtonCreate(**fields)), 201, ButtonResponse).data

    def get(self, id: int) -> Button:
        return self._client._call(get_button._get_kwargs(id), 200, ButtonResponse).data

    def update(self, id: int, **fields: Unpack[ButtonFields]) -> Button:
        _needs_fields(dict(fields))
        return (
            self._client._call(update_button._get_kwargs(id, body=ButtonUpdate(**fields)), 200, ButtonResponse)
        ).data

    def delete(self, id: int) -> None:
        self._client._call_empty(delete_button._get_kwargs(id), 204)


class Websites(_SyncList[Website]):
    """The websites the widgets run on (read-only)."""

    _module = list_websites
    _envelope = WebsiteList


class Cdrs(_SyncList[Cdr]):
    """Call detail records of the widgets' calls (read-only)."""

    _module = list_cdrs
    _envelope = CdrList


class Visitors(_SyncList[Visitor]):
    """The website visitors who used a widget (read-only)."""

    _module = list_visitors
    _envelope = VisitorList


# --- async -----------------------------------------------------------------------------------


class _AsyncList(Generic[Item]):
    """A collection: `list()` gives every matching item, fetched a page at a time."""

    _module: Any
    _envelope: type[Any]

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client

    def list(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        dir: Direction | None = None,
        filter: Iterable[Filter] | None = None,
        prefetch: int = 4,
    ) -> AsyncPaginator[Item]:
        """Every matching item, fetched `limit` at a time (the service's default when None), `prefetch` pages ahead.

        `sort` names a field, `dir` is "ASC" or "DESC", `filter` holds conditions that must all hold.
        Nothing is fetched until the iteration starts; after the first page, up to `prefetch`
        pages are fetched concurrently and yielded in order (1 fetches one page at a time).
        """
        _check_list_arguments(limit, sort, dir)
        conditions = None if filter is None else tuple(filter)
        encode_filters(conditions)

        async def fetch(number: int) -> Page[Item]:
            envelope = await self._client._call(
                _list_kwargs(self._module, number, limit, sort, dir, conditions), 200, self._envelope
            )
            return Page(items=envelope.data, number=number, total=envelope.total)

        return AsyncPaginator(fetch, prefetch=prefetch)


class AsyncSettings(_AsyncList[Setting]):
    """Widget settings: create, get, update, delete, list."""

    _module = list_settings
    _envelope = SettingList

    async def create(self, **fields: Unpack[NewSetting]) -> Setting:
        return (
            await self._client._call(create_setting._get_kwargs(body=SettingCreate(**fields)), 201, SettingResponse)
        ).data

    async def get(self, id: int) -> Setting:
        return (await self._client._call(get_setting._get_kwargs(id), 200, SettingResponse)).data

    async def update(self, id: int, **fields: Unpack[SettingFields]) -> Setting:
        _needs_fields(dict(fields))
        return (
            await self._client._call(update_setting._get_kwargs(id, body=SettingUpdate(**fields)), 200, SettingResponse)
        ).data

    async def delete(self, id: int) -> None:
        await self._client._call_empty(delete_setting._get_kwargs(id), 204)


class AsyncButtons:
    """Widget buttons: create, get, update, delete."""

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client

    async def create(self, **fields: Unpack[NewButton]) -> Button:
        return (
            await self._client._call(create_button._get_kwargs(body=ButtonCreate(**fields)), 201, ButtonResponse)
        ).data

    async def get(self, id: int) -> Button:
        return (await self._client._call(get_button._get_kwargs(id), 200, ButtonResponse)).data

    async def update(self, id: int, **fields: Unpack[ButtonFields]) -> Button:
        _needs_fields(dict(fields))
        return (
            await self._client._call(update_button._get_kwargs(id, body=ButtonUpdate(**fields)), 200, ButtonResponse)
        ).data

    async def delete(self, id: int) -> None:
        await self._client._call_empty(delete_button._get_kwargs(id), 204)


class AsyncWebsites(_AsyncList[Website]):
    """The websites the widgets run on (read-only)."""

    _module = list_websites
    _envelope = WebsiteList


class AsyncCdrs(_AsyncList[Cdr]):
    """Call detail records of the widgets' calls (read-only)."""

    _module = list_cdrs
    _envelope = CdrList


class AsyncVisitors(_AsyncList[Visitor]):
    """The website visitors who used a widget (read-only)."""

    _module = list_visitors
    _envelope = VisitorList
