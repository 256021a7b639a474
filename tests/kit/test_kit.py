"""The test kit as an application's tests use it: its pytest fixtures, faults, clock, data, journal and reset.

These tests take the plugin's fixtures (`cmb`, `async_cmb`, `callmeback_sandbox`,
`callmeback_waits`) exactly as a project that installs the `[sandbox]` extra does: through
the `pytest11` entry point, nothing imported from the kit's private modules.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
from collections.abc import Awaitable
from typing import Any, TypeVar

import httpx
import pytest
from voipstudio_callmeback import (
    APIConnectionError,
    APITimeoutError,
    AsyncCallMeBack,
    AuthenticationError,
    BadRequestError,
    CallMeBack,
    Filter,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnexpectedResponseError,
    parse_timestamp,
)
from voipstudio_callmeback_testing import DEFAULT_CDRS, DEMO_ACCOUNT, Fault, Sandbox

T = TypeVar("T")


def run(awaitable: Awaitable[T]) -> T:
    async def wait() -> T:
        return await awaitable

    return asyncio.run(wait())


def first_setting(cmb: CallMeBack) -> int:
    return next(iter(cmb.settings.list())).id


class TestTheFixtures:
    def test_cmb_is_logged_in_on_the_sandbox(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        assert isinstance(cmb, CallMeBack)
        assert sum(1 for _ in cmb.cdrs.list()) == DEFAULT_CDRS
        assert [request.operation for request in callmeback_sandbox.requests][:1] == ["listCdrs"]

    def test_async_cmb_is_logged_in_too(self, async_cmb: AsyncCallMeBack) -> None:
        async def count() -> int:
            return len([cdr async for cdr in async_cmb.cdrs.list(limit=100)])

        assert asyncio.run(count()) == DEFAULT_CDRS

    def test_a_write_of_one_test(self, cmb: CallMeBack) -> None:
        """With the next test: each starts from the fresh state."""
        cmb.settings.create(name="only-in-this-test")
        assert "only-in-this-test" in {setting.name for setting in cmb.settings.list()}

    def test_is_gone_in_the_next(self, cmb: CallMeBack) -> None:
        assert "only-in-this-test" not in {setting.name for setting in cmb.settings.list()}

    def test_the_journal_starts_empty_and_the_clock_fresh(self, callmeback_sandbox: Sandbox) -> None:
        assert callmeback_sandbox.requests == []
        assert callmeback_sandbox.faults == []
        assert abs((callmeback_sandbox.now - datetime.datetime.now(datetime.UTC)).total_seconds()) < 60


class TestFaults:
    def test_rate_limiting_is_waited_out_in_no_real_time(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        setting = first_setting(cmb)
        callmeback_sandbox.fault("getSetting", status=429, headers={"Retry-After": "7"}, times=2)
        assert cmb.settings.get(setting).id == setting
        assert callmeback_waits == [7.0, 7.0]
        assert [request.status for request in callmeback_sandbox.requests[-3:]] == [429, 429, 200]
        assert [request.fault for request in callmeback_sandbox.requests[-3:]] == [True, True, False]

    def test_rate_limiting_past_the_retries_raises(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        callmeback_sandbox.fault("listSettings", status=429, headers={"Retry-After": "1"}, times=None)
        with pytest.raises(RateLimitError) as raised:
            cmb.settings.list().page(1)
        assert raised.value.headers["retry-after"] == "1"
        assert raised.value.body == {"message": "Too Many Requests"}
        assert len(callmeback_waits) == 2  # the client's default: two retries

    def test_a_503_in_the_middle_of_paging_is_retried(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        callmeback_sandbox.fault("listCdrs", status=503, after=1)
        assert sum(1 for _ in cmb.cdrs.list(limit=100)) == DEFAULT_CDRS
        pages = [request.query.get("page", "1") for request in callmeback_sandbox.requests]
        assert pages == ["1", "2", "2", "3"]
        assert len(callmeback_waits) == 1

    def test_a_500_in_the_middle_of_paging_raises_after_the_first_page(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        """A 500 may have been acted on: the client does not retry it, and the app sees how far it got."""
        callmeback_sandbox.fault("listCdrs", status=500, after=1)
        seen: list[int] = []

        def sync() -> None:
            for cdr in cmb.cdrs.list(limit=100):
                seen.append(cdr.id)

        with pytest.raises(InternalServerError) as raised:
            sync()
        assert len(seen) == 100
        assert raised.value.body == {"message": "Internal server error"}
        assert callmeback_waits == []
        assert sum(1 for _ in cmb.cdrs.list(limit=100)) == DEFAULT_CDRS  # the fault was for one call

    def test_a_timeout(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", delay=2.0)
        with pytest.raises(APITimeoutError):
            cmb.settings.list(timeout=0.2, max_retries=0).page(1)

    def test_a_delay_within_the_timeout_answers(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", delay=0.05)
        assert cmb.settings.list(timeout=5).page(1).total >= 1

    @pytest.mark.parametrize("where", ["before_headers", "after_headers"])
    def test_a_dropped_connection_is_retried(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float], where: Any
    ) -> None:
        callmeback_sandbox.fault("listSettings", drop=where)
        assert cmb.settings.list().page(1).total >= 1
        assert len(callmeback_waits) == 1
        assert [request.status for request in callmeback_sandbox.requests] == [
            None if where == "before_headers" else 200,
            200,
        ]

    def test_a_connection_that_keeps_dropping_raises(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", drop="before_headers", times=None)
        with pytest.raises(APIConnectionError):
            cmb.settings.list().page(1)

    def test_a_truncated_body(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", truncate=True, times=None)
        with pytest.raises((APIConnectionError, UnexpectedResponseError)):
            cmb.settings.list().page(1)

    def test_an_answer_that_is_not_json(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", not_json=True)
        with pytest.raises(UnexpectedResponseError):
            cmb.settings.list(max_retries=0).page(1)

    def test_an_expired_session_is_renewed_once(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", expire_session=True)
        assert cmb.settings.list().page(1).total >= 1
        operations = [(request.operation, request.status) for request in callmeback_sandbox.requests]
        assert operations == [("listSettings", 401), ("logIn", 200), ("listSettings", 200)]

    def test_401_403_404(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("getSetting", status=401, times=None)
        with pytest.raises(AuthenticationError):  # after logging in again once, as for an expired session
            cmb.settings.get(1)
        assert [request.operation for request in callmeback_sandbox.requests] == ["getSetting", "logIn", "getSetting"]
        callmeback_sandbox.clear_faults()
        callmeback_sandbox.fault("getSetting", status=403)
        with pytest.raises(PermissionDeniedError):
            cmb.settings.get(1)
        with pytest.raises(NotFoundError):  # the sandbox's own 404: no such setting
            cmb.settings.get(999_999_999)

    def test_a_fault_on_every_operation(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        callmeback_sandbox.fault(status=503, times=2)
        assert cmb.settings.list().page(1).total >= 1  # the client's two retries outlast it
        callmeback_sandbox.fault(status=503, times=None)
        with pytest.raises(InternalServerError) as raised:
            cmb.cdrs.list(max_retries=1).page(1)
        assert raised.value.status_code == 503
        assert [request.operation for request in callmeback_sandbox.requests] == ["listSettings"] * 3 + ["listCdrs"] * 2

    def test_async_clients_meet_the_same_faults(
        self, async_cmb: AsyncCallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        callmeback_sandbox.fault("listCdrs", status=429, headers={"Retry-After": "2"}, after=1)
        callmeback_sandbox.fault("getSetting", drop="after_headers", times=None)
        callmeback_sandbox.fault("listSettings", delay=2.0)

        async def scenario() -> None:
            assert len([cdr async for cdr in async_cmb.cdrs.list(limit=100)]) == DEFAULT_CDRS
            with pytest.raises(APIConnectionError):
                await async_cmb.settings.get(1)
            with pytest.raises(APITimeoutError):
                await async_cmb.settings.list(timeout=0.2, max_retries=0).page(1)

        asyncio.run(scenario())
        assert callmeback_waits[0] == 2.0

    def test_a_wrong_fault_says_which_value(self, callmeback_sandbox: Sandbox) -> None:
        with pytest.raises(ValueError, match="operation must be"):
            callmeback_sandbox.fault("getSettings", status=500)
        with pytest.raises(ValueError, match="status must be"):
            callmeback_sandbox.fault(status=99)
        with pytest.raises(ValueError, match="one answer"):
            callmeback_sandbox.fault(status=500, drop="before_headers")
        with pytest.raises(ValueError, match="needs an action"):
            callmeback_sandbox.fault("getSetting")
        with pytest.raises(ValueError, match="delay must be"):
            callmeback_sandbox.fault(delay=float("inf"))
        with pytest.raises(ValueError, match="headers must"):
            callmeback_sandbox.fault(status=500, headers={"X-Evil": "a\r\nb"})
        assert callmeback_sandbox.faults == []

    def test_a_fault_that_waits_its_turn_is_not_spent_by_another(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox, callmeback_waits: list[float]
    ) -> None:
        """Each call counts in every fault of its operation; only the first fault added applies to it."""
        callmeback_sandbox.fault("listSettings", status=503)
        later = callmeback_sandbox.fault("listSettings", status=503, headers={"Retry-After": "4"})
        assert cmb.settings.list().page(1).total >= 1
        assert [request.status for request in callmeback_sandbox.requests] == [503, 503, 200]
        assert callmeback_waits[1] == 4.0
        assert later not in callmeback_sandbox.faults

    def test_faults_are_listed_until_spent(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        added = callmeback_sandbox.fault("listSettings", status=503, times=1)
        assert callmeback_sandbox.faults == [added]
        assert isinstance(added, Fault)
        cmb.settings.list().page(1)
        assert callmeback_sandbox.faults == []


class TestTimeAndData:
    def test_the_clock_expires_sessions(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        before = callmeback_sandbox.now
        after = callmeback_sandbox.advance(datetime.timedelta(hours=1))
        assert (after - before).total_seconds() >= 3600
        cmb.settings.list().page(1)
        assert [request.operation for request in callmeback_sandbox.requests] == [
            "listSettings",
            "logIn",
            "listSettings",
        ]

    def test_created_items_are_stamped_with_the_sandbox_time(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox
    ) -> None:
        callmeback_sandbox.advance(86400 * 400)
        created = cmb.settings.create(name="from the future")
        assert isinstance(created.created_at, str)
        stamped = parse_timestamp(created.created_at).replace(tzinfo=datetime.UTC)
        assert abs((stamped - callmeback_sandbox.now).total_seconds()) < 60

    def test_yesterdays_cdrs(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        # the service's moments are naive, in the account's time (the sandbox's accounts keep UTC)
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0, tzinfo=None)
        yesterday = now - datetime.timedelta(days=1)
        added = callmeback_sandbox.add(
            "cdrs",
            {"calldate": yesterday, "src": "441234567890", "billsec": 30},
            {"calldate": yesterday + datetime.timedelta(minutes=5), "billsec": 0},
        )
        assert [item["id"] for item in added] == sorted(item["id"] for item in added)
        since = [Filter("calldate", "gte", yesterday - datetime.timedelta(hours=1))]
        found = list(cmb.cdrs.list(filter=since))
        assert [cdr.id for cdr in found] == [item["id"] for item in added]
        assert found[0].billsec == 30

    def test_cdr_labels_are_lists_in_process_and_over_loopback(
        self, cmb: CallMeBack, callmeback_sandbox: Sandbox
    ) -> None:
        """Every seeded call record's `labels` is a list of strings (the spec's JSON array), in the models the
        client decodes in process and in the JSON served on loopback; an added record's labels are kept."""
        cdrs = list(cmb.cdrs.list(limit=1000))
        assert len(cdrs) == DEFAULT_CDRS
        for cdr in cdrs:
            assert isinstance(cdr.labels, list), cdr.labels
            assert all(isinstance(label, str) for label in cdr.labels)
            assert cdr.to_dict()["labels"] == cdr.labels
        assert {bool(cdr.labels) for cdr in cdrs} == {True, False}
        (added,) = callmeback_sandbox.add("cdrs", {"labels": ["vip", "callback"]})
        assert added["labels"] == ["vip", "callback"]
        (found,) = cmb.cdrs.list(filter=[Filter("id", "eq", added["id"])])
        assert found.labels == ["vip", "callback"]
        auth = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        with callmeback_sandbox.serve() as served:
            page = httpx.get(served.url + "/callmeback/cdrs", params={"limit": 1000}, auth=auth, timeout=10).json()
        served_labels = {item["id"]: item["labels"] for item in page["data"]}
        assert served_labels == {cdr.id: cdr.labels for cdr in cdrs} | {added["id"]: ["vip", "callback"]}

    def test_a_bad_value_names_its_field(self, callmeback_sandbox: Sandbox) -> None:
        with pytest.raises(ValueError, match=r"items\[0\]\.calldate") as raised:
            callmeback_sandbox.add("cdrs", {"calldate": "yesterday"})
        assert "calldate must match" in str(raised.value)
        with pytest.raises(ValueError, match=r"items\[1\]\.billsec"):
            callmeback_sandbox.add("cdrs", {"billsec": 1}, {"billsec": "long"})
        with pytest.raises(ValueError, match="nope is not a field of cdrs"):
            callmeback_sandbox.add("cdrs", {"nope": 1})
        with pytest.raises(ValueError, match="is not a collection"):
            callmeback_sandbox.add("calls", {"billsec": 1})
        with pytest.raises(ValueError, match="id is given by the sandbox"):
            callmeback_sandbox.add("cdrs", {"id": 5})
        with pytest.raises(ValueError, match="no account has user id 1"):
            callmeback_sandbox.add("cdrs", {"billsec": 1}, account=1)
        assert callmeback_sandbox.store.changes() == callmeback_sandbox.control._fresh_changes

    def test_the_journal_hides_the_password(self, callmeback_sandbox: Sandbox) -> None:
        client = callmeback_sandbox.client()
        client.close()
        (login,) = callmeback_sandbox.requests
        assert login.operation == "logIn"
        assert login.body == {"email": DEMO_ACCOUNT.email, "password": "[redacted]"}
        assert f"'password': '{DEMO_ACCOUNT.password}'" not in repr(callmeback_sandbox.requests)

    def test_the_journal_records_what_was_sent(self, cmb: CallMeBack, callmeback_sandbox: Sandbox) -> None:
        with pytest.raises(BadRequestError):  # the sandbox, as the spec, takes no unknown parameter
            cmb.settings.create(name="journal", extra_query={"trace": "1"})
        (request,) = callmeback_sandbox.requests
        assert request.query == {"trace": "1"}
        assert (request.operation, request.method, request.status) == ("createSetting", "POST", 400)
        callmeback_sandbox.clear_requests()
        cmb.settings.create(name="journal")
        (request,) = callmeback_sandbox.requests
        assert request.body == {"name": "journal"}
        assert request.path == "/v1.1/voipstudio/callmeback/settings"

    def test_reset_restores_everything(self, callmeback_sandbox: Sandbox) -> None:
        client = callmeback_sandbox.client(login="api_key")
        total = client.settings.list().page(1).total
        client.settings.create(name="to be forgotten")
        callmeback_sandbox.add("cdrs", {"billsec": 1})
        callmeback_sandbox.fault(status=500, times=None)
        callmeback_sandbox.advance(100)
        callmeback_sandbox.reset()
        assert callmeback_sandbox.faults == []
        assert callmeback_sandbox.requests == []
        assert callmeback_sandbox.clock.offset == 0
        assert client.settings.list().page(1).total == total
        assert sum(1 for _ in client.cdrs.list()) == DEFAULT_CDRS
        client.close()


class TestInProcessTransports:
    def test_plain_httpx_reaches_it(self, callmeback_sandbox: Sandbox) -> None:
        with httpx.Client(transport=callmeback_sandbox.transport()) as http:
            answer = http.get(
                callmeback_sandbox.url + "/callmeback/settings",
                auth=(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key),
            )
        assert answer.status_code == 200
        assert answer.json()["total"] >= 1

    def test_a_client_built_by_hand(self, callmeback_sandbox: Sandbox) -> None:
        """The documented way: the client's own constructor, the sandbox's URL and transport."""
        client = CallMeBack(
            user_id=DEMO_ACCOUNT.user_id,
            api_key=DEMO_ACCOUNT.api_key,
            base_url=callmeback_sandbox.url,
            http_client=httpx.Client(transport=callmeback_sandbox.transport()),
        )
        with client:
            assert client.settings.list().page(1).total >= 1

    def test_an_async_client_cancelled_midway_leaves_the_sandbox_serving(self, callmeback_sandbox: Sandbox) -> None:
        callmeback_sandbox.fault("listSettings", delay=5.0)

        async def scenario() -> None:
            client = await callmeback_sandbox.async_client(login="api_key")
            task = asyncio.ensure_future(client.settings.list().page(1))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert (await client.settings.list().page(1)).total >= 1
            await client.close()

        asyncio.run(scenario())

    def test_a_body_over_the_limit_is_refused_and_not_kept(self, callmeback_sandbox: Sandbox) -> None:
        with httpx.Client(transport=callmeback_sandbox.transport()) as http:
            answer = http.post(
                callmeback_sandbox.url + "/callmeback/settings",
                content=b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                headers={"Content-Type": "application/json"},
                auth=(str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key),
            )
        assert answer.status_code == 413
        (request,) = callmeback_sandbox.requests
        assert request.status == 413
        assert isinstance(request.body, str)
        assert request.body.startswith("[over ")

    def test_a_closed_sandbox_refuses_new_transports(self) -> None:
        sandbox = Sandbox(cdrs=10)
        sandbox.close()
        with pytest.raises(RuntimeError, match="closed"):
            sandbox.transport()
        gc.collect()


class TestWhatAReviewFound:
    """Each a case a review of the kit found wrong, now held."""

    def test_a_number_that_json_cannot_write_is_refused(self, callmeback_sandbox: Sandbox) -> None:
        with pytest.raises(ValueError, match=r"items\[0\]\.charge: charge must hold finite numbers only"):
            callmeback_sandbox.add("cdrs", {"charge": float("nan")})
        with pytest.raises(ValueError, match="finite numbers only"):
            callmeback_sandbox.add("cdrs", {"labels": [float("inf")]})
        with pytest.raises(ValueError, match="account must be a user id"):
            callmeback_sandbox.add("cdrs", {"billsec": 1}, account=2**70)
        with pytest.raises(ValueError, match="finite numbers only"):
            callmeback_sandbox.fault(status=500, body={"x": float("nan")})

    def test_the_clock_stops_before_the_year_10000(self, callmeback_sandbox: Sandbox) -> None:
        def ten_thousand_years() -> None:
            for _ in range(1000):
                callmeback_sandbox.advance(10 * 365 * 86400)

        with pytest.raises(ValueError, match="past the year 9999"):
            ten_thousand_years()
        assert callmeback_sandbox.now.year <= 9999

    @pytest.mark.parametrize("status", [100, 101, 199])
    def test_no_informational_status(self, callmeback_sandbox: Sandbox, status: int) -> None:
        with pytest.raises(ValueError, match="from 200 to 599"):
            callmeback_sandbox.fault(status=status)

    @pytest.mark.parametrize("status", [204, 304])
    def test_no_body_where_http_has_none(self, callmeback_sandbox: Sandbox, status: int) -> None:
        with pytest.raises(ValueError, match="has no body"):
            callmeback_sandbox.fault(status=status, body={"a": 1})

    def test_headers_of_the_wrong_kind_are_a_value_error(self, callmeback_sandbox: Sandbox) -> None:
        with pytest.raises(ValueError, match="headers must"):
            callmeback_sandbox.fault(status=500, headers=5)  # type: ignore[arg-type]

    def test_nested_recorders_each_keep_their_own(self, callmeback_sandbox: Sandbox) -> None:
        """An inner block (equal to the outer one while both are empty) leaves the outer one recording."""
        from voipstudio_callmeback import record_waits

        client = callmeback_sandbox.client(login="api_key")
        with record_waits() as outer:
            with record_waits() as inner:
                pass
            callmeback_sandbox.fault("listSettings", status=429, headers={"Retry-After": "1.5"})
            client.settings.list().page(1)
        assert (outer, inner) == ([1.5], [])
        client.close()

    def test_threads_that_end_leave_no_loop_behind(self, callmeback_sandbox: Sandbox) -> None:
        import os
        import threading

        client = callmeback_sandbox.client(login="api_key")
        client.settings.list().page(1)
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(40):
            worker = threading.Thread(target=lambda: client.settings.list().page(1))
            worker.start()
            worker.join()
        client.settings.list().page(1)  # a new thread's loop is made: the ended threads' are closed then
        assert len(os.listdir("/proc/self/fd")) <= before + 9
        client.close()

    def test_closing_ends_a_call_waiting_on_the_loop_thread(self) -> None:
        """A sync call made inside a running loop goes to the sandbox's loop thread; close() ends it."""
        import threading

        sandbox = Sandbox(cdrs=10)
        client = sandbox.client(login="api_key")
        sandbox.fault("listSettings", delay=30)
        outcome: list[BaseException | None] = []

        def inside_a_loop() -> None:
            async def call() -> None:
                client.settings.list(timeout=60).page(1)

            try:
                asyncio.run(call())
                outcome.append(None)
            except BaseException as exc:  # what ended it is the test's to see
                outcome.append(exc)

        worker = threading.Thread(target=inside_a_loop)
        worker.start()
        while sandbox.faults:  # taken when the request arrives (the journal writes it when it ends)
            worker.join(0.05)
        sandbox.close()
        worker.join(15)
        assert not worker.is_alive()
        assert len(outcome) == 1
        assert outcome[0] is not None
        with pytest.raises(RuntimeError, match="closed"):
            asyncio.run(httpx.AsyncClient(transport=sandbox.async_transport()).get("https://x.invalid/"))

    def test_an_async_transport_of_a_closed_sandbox_refuses(self) -> None:
        sandbox = Sandbox(cdrs=10)
        transport = sandbox.async_transport()
        sandbox.close()

        async def call() -> None:
            async with httpx.AsyncClient(transport=transport) as http:
                await http.get(sandbox.url + "/callmeback/settings")

        with pytest.raises(RuntimeError, match="closed"):
            asyncio.run(call())


def test_in_process_any_host_is_served_and_over_loopback_only_loopback_names() -> None:
    """The in-process transport has no socket, so no name to rebind: any base URL's host is served. Served on
    127.0.0.1, a Host that is not a loopback name is answered 400 naming the Host header."""
    with Sandbox(cdrs=5) as sandbox:
        auth = (str(DEMO_ACCOUNT.user_id), DEMO_ACCOUNT.api_key)
        with httpx.Client(transport=sandbox.transport(), base_url="https://another.example/v1.1/voipstudio") as http:
            assert http.get("/callmeback/settings", auth=auth).status_code == 200
        with sandbox.serve() as served:
            answer = httpx.get(
                served.url + "/callmeback/settings", auth=auth, headers={"Host": "rebound.example"}, timeout=10
            )
            assert answer.status_code == 400
            assert answer.json()["errors"][0]["field"] == "Host"
            assert httpx.get(served.url + "/callmeback/settings", auth=auth, timeout=10).status_code == 200
