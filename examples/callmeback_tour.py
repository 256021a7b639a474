"""A tour of the Call Me Back API with the voipstudio_callmeback client.

Logs in, creates, lists, updates and deletes widget settings, then pages through
one month of call detail records with a filter. Point it at any server with
VOIPSTUDIO_BASE_URL (scripts/demo starts a sandbox and does so); it logs in with
VOIPSTUDIO_EMAIL and VOIPSTUDIO_PASSWORD (the sandbox's demo account by default).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from voipstudio_callmeback import CallMeBack, Filter, NotFoundError


def main() -> int:
    base_url = os.environ.get("VOIPSTUDIO_BASE_URL", "http://127.0.0.1:8000/v1.1/voipstudio")
    email = os.environ.get("VOIPSTUDIO_EMAIL", "demo@example.com")
    password = os.environ.get("VOIPSTUDIO_PASSWORD", "demo")

    print(f"Logging in to {base_url} as {email}")
    with CallMeBack.login(email, password, base_url=base_url) as cmb:
        print(f"  logged in: {cmb!r}")

        setting = cmb.settings.create(name="Tour widget", floating_icon=True, position=7, max_call_rate=0.15)
        print(f"Created settings {setting.id}: name={setting.name!r}, position={setting.position}")

        newest = [s.id for s in cmb.settings.list(sort="id", dir="DESC", limit=10)]
        print(f"The account's settings, newest first: {newest}")

        updated = cmb.settings.update(setting.id, welcome_screen_msg="Hi! Leave your number.")
        print(f"Updated settings {setting.id}: welcome_screen_msg={updated.welcome_screen_msg!r}")

        cmb.settings.delete(setting.id)
        print(f"Deleted settings {setting.id}")
        try:
            cmb.settings.get(setting.id)
        except NotFoundError as error:
            print(f"Reading it again: {error.status_code} {error.body['message']}")

        march = [
            Filter("calldate", "gte", datetime(2026, 3, 1)),
            Filter("calldate", "lt", datetime(2026, 4, 1)),
        ]
        print("Call detail records of March 2026, 200 a page:")
        seen = answered = billed = 0
        for page in cmb.cdrs.list(filter=march, sort="calldate", dir="ASC", limit=200).pages():
            seen += len(page.items)
            answered += sum(1 for cdr in page.items if cdr.disposition == "ANSWERED")
            billed += sum(cdr.billsec or 0 for cdr in page.items)
            print(f"  page {page.number}: {len(page.items)} records ({seen} of {page.total})")
        print(f"March 2026: {seen} calls, {answered} answered, {billed // 60} billed minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
