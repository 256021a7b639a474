"""Copy one day's call records (by default yesterday's) from VoIPstudio into a SQLite file, and pick up
where a failed run stopped.

    VOIPSTUDIO_USER_ID=... VOIPSTUDIO_API_KEY=... python cdr_sync.py calls.db [YYYY-MM-DD]

Each record is committed as it is read, in id order, so a run that fails halfway (the
service down, the connection dropped) leaves what it copied; the next run asks only for
the records after the last one stored. The client retries what can be retried (429, 502,
503, 504, dropped connections) by itself; what is left raises, and the run exits 1 with the
error on one line. Its tests (test_cdr_sync.py) use the test kit's fixtures.
"""

from __future__ import annotations

import datetime
import sqlite3
import sys

from voipstudio_callmeback import CallMeBack, CallMeBackError, Filter

SCHEMA = """
CREATE TABLE IF NOT EXISTS cdrs (
    id INTEGER PRIMARY KEY, calldate TEXT, src TEXT, dst TEXT, disposition TEXT, billsec INTEGER
)
"""
PAGE_SIZE = 500


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute(SCHEMA)
    return db


def sync_day(cmb: CallMeBack, db: sqlite3.Connection, day: datetime.date) -> int:
    """Copy the day's records not stored yet; how many were copied. (The service's times are the account's.)"""
    start = datetime.datetime.combine(day, datetime.time())
    end = start + datetime.timedelta(days=1)
    last = db.execute(
        "SELECT coalesce(max(id), 0) FROM cdrs WHERE calldate >= ? AND calldate < ?",
        (
            start.strftime("%Y-%m-%d %H:%M:%S"),
            end.strftime("%Y-%m-%d %H:%M:%S"),
        ),
    ).fetchone()[0]
    wanted = [Filter("calldate", "gte", start), Filter("calldate", "lt", end), Filter("id", "gt", last)]
    copied = 0
    for cdr in cmb.cdrs.list(filter=wanted, sort="id", dir="ASC", limit=PAGE_SIZE):
        db.execute(
            "INSERT INTO cdrs (id, calldate, src, dst, disposition, billsec) VALUES (?, ?, ?, ?, ?, ?)",
            (cdr.id, cdr.calldate, cdr.src, cdr.dst, cdr.disposition, cdr.billsec),
        )
        db.commit()
        copied += 1
    return copied


def yesterday() -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=1)


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print("usage: cdr_sync.py FILE.db [YYYY-MM-DD]", file=sys.stderr)
        return 2
    day = datetime.date.fromisoformat(argv[1]) if len(argv) == 2 else yesterday()
    db = open_db(argv[0])
    try:
        with CallMeBack.from_env() as cmb:
            copied = sync_day(cmb, db, day)
    except CallMeBackError as exc:
        print(f"cdr_sync: stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"cdr_sync: {copied} call records of {day} copied")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
