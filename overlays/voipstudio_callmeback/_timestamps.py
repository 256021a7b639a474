"""The service's timestamps, `YYYY-MM-DD HH:MM:SS`, as datetime and back."""

from __future__ import annotations

from datetime import datetime

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_timestamp(value: str) -> datetime:
    """A timestamp as the service writes it (`2022-08-31 22:35:24`) as a naive datetime.

    The service states no time zone, so none is assumed.
    """
    return datetime.strptime(value, TIMESTAMP_FORMAT)


def format_timestamp(value: datetime) -> str:
    """A datetime written as the service writes timestamps (its wall-clock time, no zone)."""
    return value.strftime(TIMESTAMP_FORMAT)
