"""A tour of the Call Me Back API with the generated client.

Logs in, creates, lists, updates and deletes widget settings, then pages through
one month of call detail records with a filter. Point it at any server with
VOIPSTUDIO_BASE_URL (scripts/demo starts a sandbox and does so); it logs in with
VOIPSTUDIO_EMAIL and VOIPSTUDIO_PASSWORD (the sandbox's demo account by default).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TypeVar

from voipstudio_callmeback_client import AuthenticatedClient, Client
from voipstudio_callmeback_client.api.authentication import log_in
from voipstudio_callmeback_client.api.call_detail_records import list_cdrs
from voipstudio_callmeback_client.api.settings import (
    create_setting,
    delete_setting,
    get_setting,
    list_settings,
    update_setting,
)
from voipstudio_callmeback_client.models import (
    CdrList,
    LoginRequest,
    LoginSuccess,
    SettingCreate,
    SettingList,
    SettingResponse,
    SettingUpdate,
)

T = TypeVar("T")


def expect(answer: object, kind: type[T]) -> T:
    """The generated functions return the parsed body of any documented status; insist on success."""
    if not isinstance(answer, kind):
        raise SystemExit(f"unexpected answer: {answer!r}")
    return answer


def main() -> int:
    base_url = os.environ.get("VOIPSTUDIO_BASE_URL", "http://127.0.0.1:8000/v1.1/voipstudio")
    email = os.environ.get("VOIPSTUDIO_EMAIL", "demo@example.com")
    password = os.environ.get("VOIPSTUDIO_PASSWORD", "demo")

    print(f"Logging in to {base_url} as {email}")
    with Client(base_url=base_url, raise_on_unexpected_status=True) as anonymous:
        login = expect(log_in.sync(client=anonymous, body=LoginRequest(email=email, password=password)), LoginSuccess)
    print(f"  logged in as user {login.user_id}")

    client = AuthenticatedClient(
        base_url=base_url,
        token=login.user_token,
        auth_header_name="X-Auth-Token",
        prefix="",
        raise_on_unexpected_status=True,
    )
    with client:
        created = expect(
            create_setting.sync(
                client=client,
                body=SettingCreate(name="Tour widget", floating_icon=True, position=7, max_call_rate=0.15),
            ),
            SettingResponse,
        )
        setting_id = created.data.id
        print(f"Created settings {setting_id}: name={created.data.name!r}, position={created.data.position}")

        listed = expect(list_settings.sync(client=client, sort="id", dir_="DESC", limit=10), SettingList)
        print(f"The account has {listed.total} settings; newest first: {[s.id for s in listed.data]}")

        updated = expect(
            update_setting.sync(
                client=client, id=setting_id, body=SettingUpdate(welcome_screen_msg="Hi! Leave your number.")
            ),
            SettingResponse,
        )
        print(f"Updated settings {setting_id}: welcome_screen_msg={updated.data.welcome_screen_msg!r}")

        response = delete_setting.sync_detailed(client=client, id=setting_id)
        print(f"Deleted settings {setting_id}: HTTP {response.status_code}")
        gone = get_setting.sync_detailed(client=client, id=setting_id)
        print(f"Reading it again: HTTP {gone.status_code}")

        march = json.dumps(
            [
                {"property": "calldate", "operator": "gte", "value": "2026-03-01 00:00:00"},
                {"property": "calldate", "operator": "lt", "value": "2026-04-01 00:00:00"},
            ]
        )
        print("Call detail records of March 2026, 200 a page:")
        page, seen, answered, billed = 1, 0, 0, 0
        while True:
            cdrs = expect(
                list_cdrs.sync(client=client, filter_=march, sort="calldate", dir_="ASC", limit=200, page=page), CdrList
            )
            seen += len(cdrs.data)
            answered += sum(1 for cdr in cdrs.data if cdr.disposition == "ANSWERED")
            billed += sum(cdr.billsec or 0 for cdr in cdrs.data)
            print(f"  page {page}: {len(cdrs.data)} records ({seen} of {cdrs.total})")
            if not cdrs.data or seen >= cdrs.total:
                break
            page += 1
        print(f"March 2026: {seen} calls, {answered} answered, {billed // 60} billed minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
