"""SQLite storage of the sandbox: accounts, sessions and the Call Me Back resources.

One connection serves the whole process, guarded by a lock: every read, and every
write with the checks it depends on (ownership, the DDI lookup), runs under it as one
transaction, so concurrent writers are serialised and no update is lost. A file
database uses write-ahead logging so that a crash never leaves it half-written;
`:memory:` serves tests.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._seed import SeedData, account_ddi, seed_account

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
OPERATORS = {"eq": "=", "like": "LIKE", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
DEFAULT_PAGE_SIZE = 100
NONCE_LIFETIME = 300.0


class FiltrationError(ValueError):
    """The filter parameter cannot be applied (the service answers 400 "Filtration error")."""


class SortError(ValueError):
    """The sort parameter names no field of the resource."""


class AccessDenied(LookupError):
    """The resource exists but belongs to another account."""


class NotFound(LookupError):
    """No resource has this id."""


@dataclass(frozen=True)
class Account:
    """A user of the sandbox."""

    user_id: int
    email: str
    password: str
    api_key: str
    two_factor_code: str | None = None

    def __repr__(self) -> str:
        return f"Account(user_id={self.user_id}, email={self.email!r})"


@dataclass(frozen=True)
class Resource:
    """How one kind of resource is stored: its table and the columns the API exposes."""

    table: str
    columns: tuple[str, ...]
    booleans: frozenset[str] = field(default_factory=frozenset)
    json_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def public(self) -> tuple[str, ...]:
        return ("id", *self.columns)

    def row_to_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for name in self.public:
            value = row[name]
            if name in self.booleans and value is not None:
                value = bool(value)
            elif name in self.json_columns and value is not None:
                value = json.loads(value)
            item[name] = value
        return item

    def rows_to_dicts(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """What row_to_dict gives, for many rows that hold the public columns in their order.

        Pairing by position instead of looking each column up by name keeps a 5,000-row
        page from costing the sandbox more than the client's own work on it.
        """
        public = self.public
        items = [dict(zip(public, row, strict=True)) for row in rows]
        if self.booleans or self.json_columns:
            for item in items:
                for name in self.booleans:
                    if item[name] is not None:
                        item[name] = bool(item[name])
                for name in self.json_columns:
                    if item[name] is not None:
                        item[name] = json.loads(item[name])
        return items


SETTING_FIELDS = (
    "allowed_countries",
    "button_id",
    "created_at",
    "culture",
    "ddi",
    "floating_icon",
    "name",
    "position",
    "privacy_policy_url",
    "show_to_allowed_countries_only",
    "title",
    "welcome_screen_msg",
    "max_call_rate",
)
RESOURCES: dict[str, Resource] = {
    "settings": Resource(
        "settings", SETTING_FIELDS, booleans=frozenset({"floating_icon", "show_to_allowed_countries_only"})
    ),
    "buttons": Resource("buttons", ("name", "data_online", "data_offline", "created_at")),
    "websites": Resource(
        "websites",
        ("url", *SETTING_FIELDS[:-1]),
        booleans=frozenset({"floating_icon", "show_to_allowed_countries_only"}),
    ),
    "visitors": Resource(
        "visitors",
        ("website_id", "name", "email", "ip", "city", "country", "referer", "ua", "created_at"),
    ),
    "cdrs": Resource(
        "cdrs",
        (
            "call_id",
            "live_id",
            "parent_live_id",
            "user_id",
            "sip_endpoint_id",
            "server_id",
            "type",
            "calldate",
            "clid",
            "src_id",
            "src_name",
            "src",
            "src_ua",
            "src_codec",
            "dst_id",
            "dst",
            "dst_name",
            "dst_ua",
            "dst_codec",
            "duration",
            "billsec",
            "disposition",
            "destination",
            "context",
            "rate",
            "charge",
            "t_cause",
            "info",
            "labels",
            "metadata",
            "nb_notes",
        ),
        json_columns=frozenset({"labels"}),
    ),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    user_id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
    api_key TEXT NOT NULL UNIQUE, two_factor_code TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES accounts(user_id), last_used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (
    nonce TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES accounts(user_id), expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ddis (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL, e164 INTEGER NOT NULL,
    UNIQUE (account_id, e164)
);
CREATE TABLE IF NOT EXISTS settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL,
    allowed_countries TEXT, button_id INTEGER, created_at TEXT NOT NULL, culture INTEGER NOT NULL DEFAULT 0,
    ddi INTEGER, floating_icon INTEGER NOT NULL DEFAULT 1, name TEXT NOT NULL, position INTEGER NOT NULL DEFAULT 7,
    privacy_policy_url TEXT, show_to_allowed_countries_only INTEGER NOT NULL DEFAULT 0, title TEXT,
    welcome_screen_msg TEXT, max_call_rate REAL NOT NULL DEFAULT 0.15
);
CREATE TABLE IF NOT EXISTS buttons (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL,
    name TEXT NOT NULL, data_online TEXT, data_offline TEXT, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS websites (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL, url TEXT,
    allowed_countries TEXT, button_id INTEGER, created_at TEXT, culture INTEGER, ddi INTEGER,
    floating_icon INTEGER, name TEXT, position INTEGER, privacy_policy_url TEXT,
    show_to_allowed_countries_only INTEGER, title TEXT, welcome_screen_msg TEXT
);
CREATE TABLE IF NOT EXISTS visitors (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL, website_id INTEGER,
    name TEXT, email TEXT, ip TEXT, city TEXT, country TEXT, referer TEXT, ua TEXT, created_at TEXT
);
CREATE TABLE IF NOT EXISTS cdrs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL,
    call_id INTEGER, live_id INTEGER, parent_live_id INTEGER, user_id INTEGER, sip_endpoint_id INTEGER,
    server_id INTEGER, type TEXT, calldate TEXT, clid TEXT, src_id TEXT, src_name TEXT, src TEXT, src_ua TEXT,
    src_codec TEXT, dst_id TEXT, dst TEXT, dst_name TEXT, dst_ua TEXT, dst_codec TEXT, duration INTEGER,
    billsec INTEGER, disposition TEXT, destination TEXT, context TEXT, rate REAL, charge REAL, t_cause TEXT,
    info TEXT, labels TEXT, metadata TEXT, nb_notes INTEGER
);
CREATE INDEX IF NOT EXISTS cdrs_account_calldate ON cdrs (account_id, calldate);
-- A page in id order (the default) reads the account's records in index order; without
-- it SQLite sorted every record of the account for each page.
CREATE INDEX IF NOT EXISTS cdrs_account ON cdrs (account_id);
CREATE INDEX IF NOT EXISTS visitors_account ON visitors (account_id);
"""


def now_timestamp(clock: Callable[[], float]) -> str:
    """The current time as the service writes it, in UTC."""
    return datetime.fromtimestamp(clock(), UTC).strftime(TIMESTAMP_FORMAT)


@dataclass(frozen=True)
class Page:
    """One page of a collection and the number of items that match the filter."""

    items: list[dict[str, Any]]
    total: int


def parse_filter(raw: str | None, resource: Resource) -> list[tuple[str, str, Any]]:
    """Turn the `filter` query value into (column, SQL operator, value) conditions."""
    if raw is None:
        return []
    try:
        conditions = json.loads(raw)
    except ValueError as exc:
        raise FiltrationError("the filter is not valid JSON") from exc
    if not isinstance(conditions, list):
        raise FiltrationError("the filter must be a JSON array")
    parsed: list[tuple[str, str, Any]] = []
    for condition in conditions:
        if not isinstance(condition, dict) or set(condition) != {"property", "operator", "value"}:
            raise FiltrationError("each condition must be an object with property, operator and value")
        prop, operator, value = condition["property"], condition["operator"], condition["value"]
        if not isinstance(prop, str) or prop not in resource.public:
            raise FiltrationError(f"unknown property {prop!r}")
        if operator not in OPERATORS:
            raise FiltrationError(f"unknown operator {operator!r}")
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise FiltrationError("a filter number must fit in 64 bits")
        if isinstance(value, float) and not math.isfinite(value):
            raise FiltrationError("a filter number must be finite")
        if value is not None and not isinstance(value, int | float | str):
            raise FiltrationError("a filter value must be a string, a number, a boolean or null")
        if value is None and operator != "eq":
            raise FiltrationError("null can only be compared with eq")
        if operator == "like" and not isinstance(value, str):
            raise FiltrationError("like needs a string pattern")
        parsed.append((prop, OPERATORS[operator], value))
    return parsed


class Store:
    """The sandbox's data, in one SQLite database."""

    def __init__(self, path: str, *, clock: Callable[[], float] = time.time, cdrs_per_account: int = 2600) -> None:
        self.clock = clock
        self.cdrs_per_account = cdrs_per_account
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._db.executescript(SCHEMA)

    def snapshot(self) -> sqlite3.Connection:
        """A copy of the whole database, in memory, to restore() later (tests start each run from it)."""
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with self._lock:
            self._db.backup(copy)
        return copy

    def restore(self, snapshot: sqlite3.Connection) -> None:
        """Put the database back as it was when the snapshot was taken."""
        with self._lock:
            snapshot.backup(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block under the store's lock in one transaction, committed on success."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (another process holding the file) must not leave the
                # connection inside the transaction.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    # --- accounts and sessions ------------------------------------------------------------

    def ensure_account(self, account: Account, seed: SeedData | None = None) -> None:
        """Create the account with its seeded data the first time it is seen; update its credentials after."""
        with self.transaction() as db:
            exists = db.execute("SELECT 1 FROM accounts WHERE user_id = ?", (account.user_id,)).fetchone()
            db.execute(
                "INSERT INTO accounts (user_id, email, password, api_key, two_factor_code) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, password = excluded.password, "
                "api_key = excluded.api_key, two_factor_code = excluded.two_factor_code",
                (account.user_id, account.email, account.password, account.api_key, account.two_factor_code),
            )
            if not exists:
                data = seed or seed_account(account.user_id, cdrs=self.cdrs_per_account)
                for table, rows in data.tables.items():
                    self._insert_many(db, table, account.user_id, rows)
                self._link_seeded(db, account.user_id)

    def _link_seeded(self, db: sqlite3.Connection, account_id: int) -> None:
        """Point seeded settings at the account's first button and DDI, and visitors at its websites."""
        number = account_ddi(account_id)
        db.execute("INSERT OR IGNORE INTO ddis (account_id, e164) VALUES (?, ?)", (account_id, number))
        db.execute(
            "UPDATE settings SET button_id = (SELECT MIN(id) FROM buttons WHERE account_id = ?), "
            "ddi = (SELECT id FROM ddis WHERE account_id = ? AND e164 = ?) WHERE account_id = ?",
            (account_id, account_id, number, account_id),
        )
        websites = [
            row[0] for row in db.execute("SELECT id FROM websites WHERE account_id = ? ORDER BY id", (account_id,))
        ]
        visitors = [row[0] for row in db.execute("SELECT id FROM visitors WHERE account_id = ?", (account_id,))]
        if websites:
            db.executemany(
                "UPDATE visitors SET website_id = ? WHERE id = ?",
                ((websites[visitor % len(websites)], visitor) for visitor in visitors),
            )

    @staticmethod
    def _insert_many(db: sqlite3.Connection, table: str, account_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        sql = (
            f"INSERT INTO {table} (account_id, {', '.join(columns)}) "  # noqa: S608 - names from RESOURCES
            f"VALUES (?, {', '.join('?' for _ in columns)})"
        )
        db.executemany(sql, ([account_id, *(row[column] for column in columns)] for row in rows))

    def account_by_email(self, email: str) -> Account | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM accounts WHERE email = ?", (email,)).fetchone()
        return Account(**dict(row)) if row else None

    def account_by_id(self, user_id: int) -> Account | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM accounts WHERE user_id = ?", (user_id,)).fetchone()
        return Account(**dict(row)) if row else None

    def open_session(self, user_id: int) -> str:
        token = secrets.token_hex(20)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sessions (token, user_id, last_used) VALUES (?, ?, ?)", (token, user_id, self.clock())
            )
        return token

    def touch_session(self, token: str, ttl: float) -> int | None:
        """The user id of a live session token, its inactivity timer reset; None if unknown or expired."""
        now = self.clock()
        with self.transaction() as db:
            row = db.execute("SELECT user_id, last_used FROM sessions WHERE token = ?", (token,)).fetchone()
            if row is None:
                return None
            if now - row["last_used"] > ttl:
                db.execute("DELETE FROM sessions WHERE token = ?", (token,))
                return None
            db.execute("UPDATE sessions SET last_used = ? WHERE token = ?", (now, token))
            return int(row["user_id"])

    def open_nonce(self, user_id: int) -> str:
        nonce = secrets.token_hex(16)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO nonces (nonce, user_id, expires) VALUES (?, ?, ?)",
                (nonce, user_id, self.clock() + NONCE_LIFETIME),
            )
        return nonce

    def take_nonce(self, nonce: str) -> int | None:
        """The user a live two-factor nonce belongs to; a nonce is good for one attempt."""
        with self.transaction() as db:
            row = db.execute("SELECT user_id, expires FROM nonces WHERE nonce = ?", (nonce,)).fetchone()
            db.execute("DELETE FROM nonces WHERE nonce = ?", (nonce,))
        if row is None or row["expires"] < self.clock():
            return None
        return int(row["user_id"])

    # --- collections ------------------------------------------------------------------------

    def collection(
        self,
        kind: str,
        account_id: int,
        *,
        page: int = 1,
        limit: int | None = None,
        sort: str | None = None,
        direction: str | None = None,
        filter_: str | None = None,
    ) -> Page:
        resource = RESOURCES[kind]
        conditions = parse_filter(filter_, resource)
        if sort is not None and sort not in resource.public:
            raise SortError(sort)
        order_column = sort or "id"
        order = "DESC" if direction == "DESC" else "ASC"
        where = ["account_id = ?"]
        values: list[Any] = [account_id]
        for column, operator, value in conditions:
            if value is None:
                where.append(f"{column} IS NULL")
            else:
                where.append(f"{column} {operator} ?")
                values.append(value)
        size = limit or DEFAULT_PAGE_SIZE
        clause = " AND ".join(where)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM {resource.table} WHERE {clause}", values).fetchone()[0]  # noqa: S608
            rows = self._db.execute(
                f"SELECT {', '.join(resource.public)} FROM {resource.table} WHERE {clause} "  # noqa: S608 - names from RESOURCES
                f"ORDER BY {order_column} {order}, id {order} LIMIT ? OFFSET ?",
                [*values, size, (page - 1) * size],
            ).fetchall()
        return Page(resource.rows_to_dicts(rows), int(total))

    # --- single resources -----------------------------------------------------------------

    def _owned(self, db: sqlite3.Connection, kind: str, account_id: int, item_id: int) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            f"SELECT * FROM {RESOURCES[kind].table} WHERE id = ?",  # noqa: S608 - names from RESOURCES
            (item_id,),
        ).fetchone()
        if row is None:
            raise NotFound(item_id)
        if row["account_id"] != account_id:
            raise AccessDenied(item_id)
        return row

    def get(self, kind: str, account_id: int, item_id: int) -> dict[str, Any]:
        with self._lock:
            return RESOURCES[kind].row_to_dict(self._owned(self._db, kind, account_id, item_id))

    def create(self, kind: str, account_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        resource = RESOURCES[kind]
        with self.transaction() as db:
            row = {**self._stored_values(db, kind, account_id, values), "created_at": now_timestamp(self.clock)}
            columns = list(row)
            cursor = db.execute(
                f"INSERT INTO {resource.table} (account_id, {', '.join(columns)}) "  # noqa: S608
                f"VALUES (?, {', '.join('?' for _ in columns)})",
                [account_id, *row.values()],
            )
            created = self._owned(db, kind, account_id, int(cursor.lastrowid or 0))
        return resource.row_to_dict(created)

    def update(self, kind: str, account_id: int, item_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        resource = RESOURCES[kind]
        with self.transaction() as db:
            self._owned(db, kind, account_id, item_id)
            row = self._stored_values(db, kind, account_id, values)
            if row:
                assignments = ", ".join(f"{column} = ?" for column in row)
                db.execute(
                    f"UPDATE {resource.table} SET {assignments} WHERE id = ?",  # noqa: S608
                    [*row.values(), item_id],
                )
            updated = self._owned(db, kind, account_id, item_id)
        return resource.row_to_dict(updated)

    def delete(self, kind: str, account_id: int, item_id: int) -> None:
        with self.transaction() as db:
            self._owned(db, kind, account_id, item_id)
            db.execute(f"DELETE FROM {RESOURCES[kind].table} WHERE id = ?", (item_id,))  # noqa: S608

    def _stored_values(
        self, db: sqlite3.Connection, kind: str, account_id: int, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The columns a request body writes; `ddi_e164` becomes the id of the account's DDI with that number."""
        row = {name: value for name, value in values.items() if name != "ddi_e164"}
        if kind == "settings" and "ddi_e164" in values:
            number = values["ddi_e164"]
            db.execute("INSERT OR IGNORE INTO ddis (account_id, e164) VALUES (?, ?)", (account_id, number))
            row["ddi"] = db.execute(
                "SELECT id FROM ddis WHERE account_id = ? AND e164 = ?", (account_id, number)
            ).fetchone()[0]
        return row
