"""Deterministic sample data for a new sandbox account.

Every account gets the same kind of data, drawn from a random generator seeded with
its user id, so two sandboxes started from scratch hold identical records: widget
settings and buttons, the websites the widget runs on, their visitors, and call
detail records spread over the first half of 2026 so that paging and date filters
have something to work on.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
PERIOD_START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD_DAYS = 181  # 1 January to 30 June 2026

FIRST_NAMES = ("Jane", "Omar", "Li", "Maria", "Tom", "Aisha", "Piotr", "Chloe", "Kenji", "Sofia", "Liam", "Zoe")
LAST_NAMES = ("Doe", "Khan", "Wei", "Garcia", "Smith", "Okafor", "Nowak", "Martin", "Sato", "Rossi", "Byrne")
CITIES = (("London", "GB"), ("Dublin", "IE"), ("Warsaw", "PL"), ("Madrid", "ES"), ("Berlin", "DE"), ("Leeds", "GB"))
DESTINATIONS = ("United Kingdom - Mobile", "United Kingdom - Landline", "Ireland - Mobile", "Poland - Mobile")
DISPOSITIONS = (("ANSWERED", 70), ("NO ANSWER", 18), ("BUSY", 7), ("FAILED", 5))
AGENTS = ("Sales desk", "Support desk", "Bookings")
SITES = ("shop.example.com", "help.example.com", "bookings.example.org")
USER_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
)


@dataclass
class SeedData:
    """Rows to insert for one account, by table: each value as the API answers it (the store writes a
    field the spec leaves untyped, such as a call record's `labels` array, as its JSON text itself)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _timestamp(moment: datetime) -> str:
    return moment.strftime(TIMESTAMP_FORMAT)


def _phone(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789") for _ in range(9))


def account_ddi(user_id: int) -> int:
    """The E.164 number (digits) an account's seeded widgets call from."""
    return 4420_3807_7000 + user_id % 1000


def seed_account(user_id: int, *, cdrs: int = 2600) -> SeedData:
    """The sample data of the account with this user id; `cdrs` call records in all."""
    rng = random.Random(user_id)  # noqa: S311 - reproducible sample data, not secrets
    data = SeedData()
    ddi = account_ddi(user_id)
    data.tables["buttons"] = [
        {
            "name": name,
            "data_online": json.dumps({"color": color, "label": "Call me now"}, separators=(",", ":")),
            "data_offline": json.dumps({"color": "#9e9e9e", "label": "Leave a message"}, separators=(",", ":")),
            "created_at": "2025-11-03 10:15:00",
        }
        for name, color in (("Green call button", "#2e7d32"), ("Blue call button", "#1565c0"))
    ]
    data.tables["websites"] = []
    data.tables["settings"] = []
    for index, site in enumerate(SITES):
        common = {
            "allowed_countries": "GB,IE" if index == 0 else None,
            "created_at": _timestamp(PERIOD_START - timedelta(days=60 - 10 * index)),
            "culture": index,
            "floating_icon": 1,
            "position": (7, 3, 5)[index],
            "privacy_policy_url": f"https://{site}/privacy",
            "show_to_allowed_countries_only": int(index == 0),
            "title": "Call me back",
            "welcome_screen_msg": "Leave your number and we will call you back within a minute.",
        }
        data.tables["websites"].append(
            {"url": f"https://{site}/", "name": site, "button_id": None, "ddi": None, **common}
        )
        if index < 2:
            data.tables["settings"].append(
                {
                    "name": site.split(".")[0].title() + " widget",
                    "button_id": None,
                    "ddi": None,
                    "max_call_rate": 0.15,
                    **common,
                }
            )
    visitors = []
    visits = sorted(PERIOD_START + timedelta(seconds=rng.randrange(PERIOD_DAYS * 86400)) for _ in range(420))
    for moment in visits:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, country = rng.choice(CITIES)
        visitors.append(
            {
                "website_id": None,
                "name": f"{first} {last}",
                "email": f"{first}.{last}{rng.randrange(100)}@example.net".lower(),
                "ip": f"203.0.113.{rng.randrange(1, 255)}",
                "city": city,
                "country": country,
                "referer": rng.choice(
                    ("https://www.example.org/search?q=garden+furniture", None, "https://news.example.com/")
                ),
                "ua": rng.choice(USER_AGENTS),
                "created_at": _timestamp(moment),
            }
        )
    data.tables["visitors"] = visitors
    records = []
    moments = sorted(PERIOD_START + timedelta(seconds=rng.randrange(PERIOD_DAYS * 86400)) for _ in range(cdrs))
    dispositions = [name for name, weight in DISPOSITIONS for _ in range(weight)]
    for number, moment in enumerate(moments):
        disposition = rng.choice(dispositions)
        answered = disposition == "ANSWERED"
        duration = rng.randrange(5, 900) if answered else rng.randrange(0, 40)
        billsec = max(duration - rng.randrange(3, 20), 1) if answered else 0
        rate = rng.choice((0.0125, 0.0089, 0.0215))
        agent = rng.choice(AGENTS)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        callee = _phone(rng, "447")
        records.append(
            {
                "call_id": user_id * 100_000 + number,
                "live_id": user_id * 100_000 + 50_000 + number,
                "parent_live_id": None,
                "user_id": user_id,
                "sip_endpoint_id": 20_000 + rng.randrange(12),
                "server_id": rng.randrange(1, 5),
                "type": "O" if answered or rng.random() < 0.5 else "M",
                "calldate": _timestamp(moment),
                "clid": f'"{agent}" <{ddi}>',
                "src_id": str(user_id),
                "src_name": agent,
                "src": str(ddi),
                "src_ua": "VoIPstudio Call Me Back",
                "src_codec": "PCMA",
                "dst_id": None,
                "dst": callee,
                "dst_name": f"{first} {last}",
                "dst_ua": None,
                "dst_codec": "PCMA" if answered else None,
                "duration": duration,
                "billsec": billsec,
                "disposition": disposition,
                "destination": rng.choice(DESTINATIONS),
                "context": "callmeback",
                "rate": rate,
                "charge": round(billsec / 60 * rate, 4),
                "t_cause": "16" if answered else rng.choice(("17", "19", "21")),
                "info": None,
                "labels": ["callmeback"] if answered else [],
                "metadata": None,
                "nb_notes": 0,
            }
        )
    data.tables["cdrs"] = records
    return data
