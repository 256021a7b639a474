"""SQLite storage of the sandbox: accounts, sessions and the resources of the spec.

The resources' tables follow the spec (see _model.py): one table per collection, named
`r_<collection>` so that no collection can take the name of the sandbox's own tables, one
column per field its items declare, typed by the JSON type the spec gives it, with no
SQL default: a create writes every column. A database made under an older spec opens and
gains the columns of new fields (null in the rows it held); columns of fields the spec no
longer declares are kept but never served. A database made by an older sandbox (tables
named after the collections, columns with SQL defaults and NOT NULL) has its tables
rebuilt under the new names, rows and ids kept. A database is migrated in one
transaction: all of it, or nothing. Only what the spec declares is stored from the seed
data, and only what it declares is answered. Fields the spec leaves untyped (or types as
arrays or objects) are stored as JSON text, and compared and sorted by their JSON value;
the seed gives their values as the API answers them (a call record's `labels` is an array).

Answers are built by SQLite itself (`json_object`, `json_group_array`): a page of 1,000
call records costs a few milliseconds, so that a benchmark of the client measures the
client. (SQLite writes numbers with 15 significant digits.)

One connection serves the whole process, guarded by a lock: every read, and every
write with the checks it depends on (ownership, references, the DDI lookup), runs under
it as one transaction, so concurrent writers are serialised and no update is lost. A
file database uses write-ahead logging so that a crash never leaves it half-written;
`:memory:` serves tests.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ._limits import MAX_FILTER_CONDITIONS, MAX_FILTER_VALUE_LENGTH, MAX_NUMBER_LENGTH, shown
from ._model import Field, Model, ModelError, Resource, read_model
from ._samples import sample_items
from ._seed import SeedData, account_ddi, seed_account
from ._spec import read_yaml, spec_path

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
OPERATORS = {"eq": "=", "like": "LIKE", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
DEFAULT_PAGE_SIZE = 100
NONCE_LIFETIME = 300.0
# The operations the application serves by hand rather than by convention.
HAND_WRITTEN = frozenset({"logIn", "verifyTwoFactorCode"})
# The column that says whose a row is; no field of the spec may be called so.
OWNER = "account_id"
# The tables of the sandbox itself (ACCOUNTS_SCHEMA), which an older sandbox's collections never took.
SANDBOX_TABLES = frozenset({"accounts", "sessions", "nonces", "ddis", "login_failures", "lockouts"})
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The column that holds each item's JSON as answers give it, kept by triggers; the ":" keeps it
# apart from every field (IDENTIFIER allows none). The table of each resource table's version,
# raised by triggers on every write, which the caches of totals and page boundaries go by.
ITEM_JSON = "item:json"
VERSIONS = "sandbox:versions"
CACHED_QUERIES = 256  # totals and page boundaries remembered, at most
MMAP_BYTES = 1 << 30
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "string": "TEXT", "json": "TEXT"}


class FiltrationError(ValueError):
    """The filter parameter cannot be applied (the service answers 400 "Filtration error")."""


class FilterFormError(ValueError):
    """The filter can be applied but is not written as the list's filter pattern allows (members out of order,
    spaces): the spec refuses it, so the sandbox does too (400 naming `filter`, code `pattern`)."""


class SortError(ValueError):
    """The sort parameter names no field of the resource (the message says why, naming it)."""


class ForeignReference(ValueError):
    """A field that holds another resource's id names none of the caller's own."""

    def __init__(self, field: str, resource: str) -> None:
        super().__init__(f"{field} must be the id of one of your {resource}")
        self.field = field
        self.resource = resource


class InvalidValue(ValueError):
    """A value the schema allows that cannot be stored (a non-finite number)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AccessDenied(LookupError):
    """The resource exists but belongs to another account."""


class NotFound(LookupError):
    """No resource has this id."""


class AccountError(LookupError):
    """No account has this user id."""


# Failed logins: wrong passwords at POST /login and wrong codes at POST /login2fa count together, per account.
# After MAX_FAILED_LOGINS of them within FAILED_LOGIN_WINDOW seconds, every login of the account is refused
# for LOCKOUT_SECONDS from the last of them (openapi.yaml, the TooManyFailedLogins response, says so in words:
# tests/sandbox/test_credentials.py keeps the two in step).
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW = 15 * 60.0
LOCKOUT_SECONDS = 15 * 60.0
# Live sessions and two-factor nonces an account keeps, at most: a login beyond them ends the oldest
# (least recently used). Expired ones are purged at every login.
MAX_SESSIONS_PER_ACCOUNT = 100
MAX_NONCES_PER_ACCOUNT = 10
# What an account no longer configured keeps in place of its credentials (they are erased, its data kept).
DISABLED_MARK = "#disabled:"
# The credentials whose change ends an account's sessions and nonces.
CREDENTIALS = ("email", "password", "api_key", "two_factor_code")
ACCOUNT_COLUMNS = "user_id, email, password, api_key, two_factor_code"


class LockedOut(Exception):
    """The account refuses logins for `retry_after` more seconds (too many failures)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"logins refused for {retry_after} seconds")
        self.retry_after = retry_after


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


ACCOUNTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    user_id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
    api_key TEXT NOT NULL UNIQUE, two_factor_code TEXT, disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES accounts(user_id), last_used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS "sessions:user" ON sessions (user_id, last_used);
CREATE INDEX IF NOT EXISTS "sessions:last_used" ON sessions (last_used);
CREATE TABLE IF NOT EXISTS nonces (
    nonce TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES accounts(user_id), expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS "nonces:user" ON nonces (user_id, expires);
CREATE INDEX IF NOT EXISTS "nonces:expires" ON nonces (expires);
CREATE TABLE IF NOT EXISTS login_failures (user_id INTEGER NOT NULL REFERENCES accounts(user_id), at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS "login_failures:user" ON login_failures (user_id, at);
CREATE TABLE IF NOT EXISTS lockouts (
    user_id INTEGER PRIMARY KEY REFERENCES accounts(user_id), until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ddis (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL, e164 INTEGER NOT NULL,
    UNIQUE (account_id, e164)
);
CREATE TABLE IF NOT EXISTS "sandbox:versions" (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""


def private_database(path: str) -> None:
    """Keep a database file and its -wal and -shm files readable by their owner only (0600): they hold
    passwords, API keys and live session tokens in plain text. A new database is created so; the mode of an
    existing one is narrowed. `:memory:` and URIs are left alone."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    if not os.path.exists(path):
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(os.stat(name).st_mode) & 0o077:
                os.chmod(name, 0o600)


def quoted(name: str) -> str:
    """An identifier for SQL (names are checked against IDENTIFIER before they get here)."""
    return f'"{name}"'


def table_name(resource: str) -> str:
    """The table of a collection: prefixed, so that no collection can be named like a table of the sandbox."""
    return f"r_{resource}"


def now_timestamp(clock: Callable[[], float]) -> str:
    """The current time as the service writes it, in UTC."""
    return datetime.fromtimestamp(clock(), UTC).strftime(TIMESTAMP_FORMAT)


def load_spec() -> dict[str, Any]:
    """The spec the sandbox serves (see _spec.py)."""
    document: dict[str, Any] = read_yaml(spec_path().read_text(encoding="utf-8"))
    return document


@dataclass(frozen=True)
class Page:
    """One page of a collection as JSON text (`[{...}, ...]`) and the number of items that match the filter."""

    items: bytes
    total: int


# --- what the store knows of each resource -------------------------------------------------------


def json_value_sql(found: Field) -> str:
    """The SQL expression of a column's JSON value inside json_object()."""
    column = quoted(found.name)
    if found.kind == "boolean":
        return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"
    if found.kind == "json":
        # JSON text, as written; a value an older database holds as plain text stays text.
        return f"CASE WHEN json_valid({column}) THEN json({column}) ELSE {column} END"
    return column


def compared_sql(found: Field) -> str:
    """The SQL expression a filter compares and a sort orders a column by: its value, and for JSON text
    the JSON value (a string without its quotes, a number as a number; arrays and objects stay JSON text)."""
    column = quoted(found.name)
    if found.kind == "json":
        return f"CASE WHEN json_valid({column}) THEN json_extract({column}, '$') ELSE {column} END"
    return column


class Table:
    """A resource's table: the SQL that reads its items as JSON, and the conversion of written values."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.bare_name = table_name(resource.name)
        self.name = quoted(self.bare_name)
        members = ", ".join(["'id', id", *(f"'{found.name}', {json_value_sql(found)}" for found in resource.fields)])
        self.item_json = f"json_object({members})"
        # A null the items' schema does not admit (a union, an enum without null) is left out of the answer,
        # as a field the service did not send: every field but id is optional in answers.
        removed = [
            f"CASE WHEN {quoted(found.name)} IS NULL THEN '$.\"{found.name}\"' ELSE '$.\"\"' END"
            for found in resource.fields
            if not found.nullable
        ]
        if removed:
            self.item_json = f"json_remove({self.item_json}, {', '.join(removed)})"
        self.kinds = {found.name: found.kind for found in resource.fields}

    def triggers(self) -> dict[str, str]:
        """Trigger name -> its SQL: on every write the table's version goes up, and an inserted or changed
        row gets its JSON (ITEM_JSON) written again from its columns."""
        name, table = self.bare_name, self.name
        bump = f"UPDATE {quoted(VERSIONS)} SET version = version + 1 WHERE name = '{name}';"  # noqa: S608 - checked names
        rewrite = f"UPDATE {table} SET {quoted(ITEM_JSON)} = {self.item_json} WHERE id = NEW.id;"  # noqa: S608 - checked names
        # Any column: the declared ones, and the id and owner that the JSON and the counts hold. The
        # trigger's own write of ITEM_JSON does not fire it again (recursive_triggers is off).
        found = {
            f"{name}:insert": f"AFTER INSERT ON {table} BEGIN {rewrite} {bump} END",
            f"{name}:update": f"AFTER UPDATE ON {table} BEGIN {rewrite} {bump} END",
            f"{name}:delete": f"AFTER DELETE ON {table} BEGIN {bump} END",
        }
        return {trigger: f"CREATE TRIGGER {quoted(trigger)} {body}" for trigger, body in found.items()}

    def stored(self, name: str, value: Any) -> Any:
        """A value as its column holds it."""
        kind = self.kinds.get(name)
        if value is None:
            return None
        if kind == "boolean":
            return int(bool(value))
        if kind == "json":
            return json.dumps(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidValue(name, f"{name} must be a finite number")
        if isinstance(value, int) and kind == "number":
            # A number column holds doubles: an integer beyond int64 (up to MAX_NUMBER_LENGTH digits) is one too.
            return float(value)
        self.check_integer(name, value)
        return value

    def check_integer(self, name: str, value: Any) -> None:
        """Refuse an integer SQLite cannot hold (its integers are 64 bits), but in a number column, which
        holds it as a double: a field the spec leaves unbounded may be sent a larger one."""
        if isinstance(value, int) and self.kinds.get(name) != "number" and not -(2**63) <= value < 2**63:
            raise InvalidValue(name, f"{name} must be a whole number that fits in 64 bits")

    def compared(self, name: str) -> str:
        """What sorts and filters on this name compare: id, or a field's value. Only names the resource
        takes get here (Resource.unnameable is asked first): any other is a fault of the sandbox."""
        if name == "id":
            return "id"
        found = self.resource.field(name)
        if found is None:
            raise ModelError(f"{self.resource.name} has no field {name!r} to sort or filter on")
        return compared_sql(found)


class NumberTooLong(ValueError):
    """A JSON number of more characters than MAX_NUMBER_LENGTH."""


def bounded_int(text: str) -> int:
    """json.loads's parse_int: an integer of at most MAX_NUMBER_LENGTH characters."""
    if len(text) > MAX_NUMBER_LENGTH:
        raise NumberTooLong(text[:20])
    return int(text)


def bounded_float(text: str) -> float:
    """json.loads's parse_float: a number of at most MAX_NUMBER_LENGTH characters."""
    if len(text) > MAX_NUMBER_LENGTH:
        raise NumberTooLong(text[:20])
    return float(text)


def parse_filter(raw: str | None, resource: Resource) -> list[tuple[str, str, Any]]:
    """Turn the `filter` query value into (column, SQL operator, value) conditions."""
    if raw is None:
        return []
    try:
        conditions = json.loads(raw, parse_int=bounded_int, parse_float=bounded_float)
    except NumberTooLong:
        raise FiltrationError(f"a filter number may have at most {MAX_NUMBER_LENGTH} characters") from None
    except ValueError as exc:
        raise FiltrationError("the filter is not valid JSON") from exc
    except RecursionError:
        raise FiltrationError("the filter nests too deeply") from None
    if not isinstance(conditions, list):
        raise FiltrationError("the filter must be a JSON array")
    if len(conditions) > MAX_FILTER_CONDITIONS:
        raise FiltrationError(f"a filter may have at most {MAX_FILTER_CONDITIONS} conditions, not {len(conditions)}")
    parsed: list[tuple[str, str, Any]] = []
    for condition in conditions:
        if not isinstance(condition, dict) or set(condition) != {"property", "operator", "value"}:
            raise FiltrationError("each condition of the filter must be an object with property, operator and value")
        prop, operator, value = condition["property"], condition["operator"], condition["value"]
        refused = resource.unnameable(prop) if isinstance(prop, str) else f"{shown(repr(prop))} is not a field name"
        if refused:
            raise FiltrationError(f"the filter's property: {refused}")
        if not isinstance(operator, str) or operator not in OPERATORS:
            known = ", ".join(OPERATORS)
            raise FiltrationError(f"unknown filter operator {shown(repr(operator))}; use one of {known}")
        if value is None:
            raise FiltrationError("a filter value is a string, a number or a boolean, not null")
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise FiltrationError("a filter number must fit in 64 bits")
        if isinstance(value, float) and not math.isfinite(value):
            raise FiltrationError("a filter number must be finite")
        if not isinstance(value, int | float | str):
            raise FiltrationError("a filter value is a string, a number or a boolean")
        if isinstance(value, str) and len(value) > MAX_FILTER_VALUE_LENGTH:
            raise FiltrationError(f"a filter value may have at most {MAX_FILTER_VALUE_LENGTH} characters")
        if isinstance(value, str) and not value.isascii():
            try:  # SQLite takes UTF-8: a lone surrogate (JSON's "\ud800") is no Unicode text
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise FiltrationError("a filter value must be Unicode text, without a lone surrogate") from None
        if operator == "like" and not isinstance(value, str):
            raise FiltrationError("the filter's like needs a string pattern")
        parsed.append((prop, OPERATORS[operator], value))
    return parsed


# --- the store ---------------------------------------------------------------------------------------


class Store:
    """The sandbox's data, in one SQLite database, shaped by the spec it serves (the packaged one by default)."""

    def __init__(
        self,
        path: str,
        *,
        clock: Callable[[], float] = time.time,
        cdrs_per_account: int = 2600,
        spec: Mapping[str, Any] | None = None,
    ) -> None:
        self.clock = clock
        self.cdrs_per_account = cdrs_per_account
        self.spec: Mapping[str, Any] = spec if spec is not None else load_spec()
        self.model: Model = read_model(self.spec, HAND_WRITTEN)
        self._check_model()
        self.tables = {name: Table(resource) for name, resource in self.model.resources.items()}
        self._lock = threading.RLock()
        # (table, its version, the query) -> total; and -> {page: the id the page starts after}.
        self._totals: dict[tuple[Any, ...], int] = {}
        self._boundaries: dict[tuple[Any, ...], dict[int, int]] = {}
        private_database(path)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        try:
            self._open(path)
        except BaseException:
            self._db.close()
            raise

    def _open(self, path: str) -> None:
        """Set the connection up and bring the database to the spec's shape, in one transaction."""
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            # Pages are read through a memory map rather than a read() per database page.
            self._db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            private_database(path)  # the -wal and -shm files WAL made (SQLite gives them the database's mode)
        self._db.execute("PRAGMA foreign_keys=ON")
        with self.transaction() as db:
            if "disabled" not in table_columns(db, "accounts") and table_columns(db, "accounts"):
                # An older sandbox's accounts: all of them enabled until the configuration says otherwise.
                db.execute("ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")
            for statement in ACCOUNTS_SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            for table in self.tables.values():
                self._migrate(db, table)

    def _check_model(self) -> None:
        """Refuse what cannot be stored: names SQL could misread or takes for one another, fields written nowhere."""
        for resource in self.model.resources.values():
            names = [resource.name, *resource.columns, *resource.writable]
            bad = [name for name in names if not IDENTIFIER.match(name) or name == OWNER]
            if bad:
                raise ModelError(f"{resource.name}: the sandbox cannot store fields named {bad}")
            clashes = clashing_names(resource)
            if clashes:
                raise ModelError(
                    f"{resource.name}: the fields {clashes} would share a column (SQLite column names ignore case; "
                    f"id and {OWNER} are the sandbox's own)"
                )
            unstored = sorted(
                name for name in resource.writable if name not in resource.columns and name not in WRITE_RULES
            )
            if unstored:
                raise ModelError(
                    f"{resource.name}: the request bodies write {unstored}, which the items do not declare and "
                    "sandbox/voipstudio_callmeback_sandbox/_store.py has no WRITE_RULES entry for"
                )

    @staticmethod
    def _migrate(db: sqlite3.Connection, found_table: Table) -> None:
        """Create the resource's table (from an older sandbox's, if there is one), or add the columns of fields
        it lacks (null in existing rows); then its indexes, and the triggers that keep each row's JSON and
        the table's version (with every row's JSON written again when they change)."""
        resource = found_table.resource
        name = table_name(resource.name)
        table = quoted(name)
        if not table_columns(db, name) and is_old_table(db, resource.name):
            adopt_old_table(db, resource)
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({column_definitions(resource.fields)})")
        existing = table_columns(db, name)
        for found in resource.fields:
            if found.name not in existing:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {quoted(found.name)} {SQL_TYPES[found.kind]}")
        # Index names share the tables' namespace: ":" keeps them apart from every table's name.
        db.execute(f"CREATE INDEX IF NOT EXISTS {quoted(name + ':owner')} ON {table} ({OWNER})")
        for found in resource.fields:
            if found.timestamp:  # the usual sort and period filter of a collection
                index = quoted(f"{name}:owner:{found.name}")
                db.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({OWNER}, {quoted(found.name)})")
        if ITEM_JSON not in table_columns(db, name):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {quoted(ITEM_JSON)} TEXT")
        db.execute(f"INSERT OR IGNORE INTO {quoted(VERSIONS)} (name, version) VALUES (?, 0)", (name,))  # noqa: S608 - checked names
        wanted = found_table.triggers()
        current = {
            row["name"]: row["sql"]
            for row in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (name,)
            )
        }
        if current != wanted:  # every row's JSON written anew, then the new triggers (which would do it twice)
            for trigger in current:
                db.execute(f"DROP TRIGGER {quoted(trigger)}")
            db.execute(f"UPDATE {table} SET {quoted(ITEM_JSON)} = {found_table.item_json}")  # noqa: S608 - checked names
            for sql in wanted.values():
                db.execute(sql)
            db.execute(f"UPDATE {quoted(VERSIONS)} SET version = version + 1 WHERE name = ?", (name,))  # noqa: S608 - checked names
        for found in resource.fields:
            wanted_type = found.schema.get("type")
            if found.kind == "json" and wanted_type in ("array", "object"):
                # An older sandbox encoded the seed's arrays twice: a call record's labels `[]` were held as
                # the string "[]". Where the spec types the field, a string is no value of it: one holding
                # the JSON text of a value of its type is that value (the triggers write the rows' JSON anew).
                column, inner = quoted(found.name), f"json_extract({quoted(found.name)}, '$')"
                db.execute(
                    f"UPDATE {table} SET {column} = {inner} WHERE json_valid({column}) "  # noqa: S608 - checked names
                    f"AND json_type({column}) = 'text' AND json_valid({inner}) AND json_type({inner}) = ?",
                    (wanted_type,),
                )

    def snapshot(self) -> sqlite3.Connection:
        """A copy of the whole database, in memory, to restore() later (tests start each run from it)."""
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with self._lock:
            self._db.backup(copy)
        return copy

    def restore(self, snapshot: sqlite3.Connection) -> None:
        """Put the database back as it was when the snapshot was taken.

        The tables' versions then move past any they had before, rather than back to the
        snapshot's: a version names one state of a table, and the counts and page starts
        cached for it (here, or by another Store on the same file) must not meet a different
        state under the same number."""
        with self._lock:
            before = self._db.execute(f"SELECT coalesce(max(version), 0) FROM {quoted(VERSIONS)}").fetchone()[0]  # noqa: S608 - a constant name
            snapshot.backup(self._db)
            fresh = max(int(before) + 1, time.time_ns())
            self._db.execute(f"UPDATE {quoted(VERSIONS)} SET version = ?", (fresh,))  # noqa: S608 - a constant name
            self._totals.clear()
            self._boundaries.clear()

    def changes(self) -> int:
        """The rows written since the store was opened: equal figures, the same data (reset() skips a restore)."""
        with self._lock:
            return self._db.total_changes

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
        """Create the account with its seeded data the first time it is seen; update its credentials after
        (a change of them ends its sessions and nonces), and enable it if it was disabled."""
        with self.transaction() as db:
            self._ensure_account(db, account, seed)

    def reconcile_accounts(self, accounts: Sequence[Account]) -> None:
        """Make the database's accounts those configured, in one transaction: each configured one created
        (with its seeded data) or updated, its sessions and nonces ended when its credentials changed; every
        other account disabled (no login, no API key, no session; its credentials erased, its data kept)."""
        configured = {account.user_id for account in accounts}
        with self.transaction() as db:
            stored = [int(row[0]) for row in db.execute("SELECT user_id FROM accounts WHERE disabled = 0")]
            for user_id in stored:
                if user_id not in configured:
                    db.execute(
                        "UPDATE accounts SET disabled = 1, email = ?, password = '', api_key = ?, "
                        "two_factor_code = NULL WHERE user_id = ?",
                        (f"{DISABLED_MARK}{user_id}", f"{DISABLED_MARK}{user_id}", user_id),
                    )
                    self._end_sessions(db, user_id)
            # Configured accounts may trade emails or keys among themselves: each is written in turn, so the
            # values they hold now are set aside first (the UNIQUE columns would refuse the second otherwise).
            previous = {
                int(row["user_id"]): row
                for row in db.execute(f"SELECT {ACCOUNT_COLUMNS}, disabled FROM accounts WHERE disabled = 0")  # noqa: S608 - a constant
            }
            db.execute(
                "UPDATE accounts SET email = ? || user_id, api_key = ? || user_id WHERE disabled = 0",
                (DISABLED_MARK, DISABLED_MARK),
            )
            for account in accounts:
                self._ensure_account(db, account, None, previous.get(account.user_id))

    def _ensure_account(
        self, db: sqlite3.Connection, account: Account, seed: SeedData | None, before: Any = None
    ) -> None:
        if before is None:
            before = db.execute(
                f"SELECT {ACCOUNT_COLUMNS}, disabled FROM accounts WHERE user_id = ?",  # noqa: S608 - a constant
                (account.user_id,),
            ).fetchone()
        db.execute(
            "INSERT INTO accounts (user_id, email, password, api_key, two_factor_code, disabled) "
            "VALUES (?, ?, ?, ?, ?, 0) "
            "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, password = excluded.password, "
            "api_key = excluded.api_key, two_factor_code = excluded.two_factor_code, disabled = 0",
            (account.user_id, account.email, account.password, account.api_key, account.two_factor_code),
        )
        if before is None:
            data = seed or seed_account(account.user_id, cdrs=self.cdrs_per_account)
            for name, rows in data.tables.items():
                if name in self.tables:
                    self._insert_many(db, self.tables[name], account.user_id, rows)
            if seed is None:  # a collection the default seed does not know: samples made from the spec
                for name, table in self.tables.items():
                    if name not in data.tables:
                        rows = sample_items(self.spec, self.model.resources[name])
                        self._insert_many(db, table, account.user_id, rows)
            self._link_seeded(db, account.user_id)
        elif before["disabled"] or any(before[name] != getattr(account, name) for name in CREDENTIALS):
            self._end_sessions(db, account.user_id)

    @staticmethod
    def _end_sessions(db: sqlite3.Connection, user_id: int) -> None:
        """End an account's sessions, nonces and failure count (its credentials are no longer those they were for)."""
        for table in ("sessions", "nonces", "login_failures", "lockouts"):
            db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # noqa: S608 - constant names

    def _link_seeded(self, db: sqlite3.Connection, account_id: int) -> None:
        """Point the seeded items' references at the account's own items, and settings at its DDI."""
        for resource in self.model.resources.values():
            for field_name in resource.columns:
                target = resource.references.get(field_name)
                if target is None or target not in self.tables:
                    continue
                db.execute(
                    f"UPDATE {self.tables[resource.name].name} SET {quoted(field_name)} = "  # noqa: S608 - checked names
                    f"(SELECT MIN(id) FROM {self.tables[target].name} WHERE {OWNER} = ?) WHERE {OWNER} = ?",
                    (account_id, account_id),
                )
            if "ddi_e164" in resource.writable and "ddi" in resource.columns:
                number = account_ddi(account_id)
                db.execute("INSERT OR IGNORE INTO ddis (account_id, e164) VALUES (?, ?)", (account_id, number))
                db.execute(
                    f"UPDATE {self.tables[resource.name].name} SET ddi = "  # noqa: S608 - checked names
                    f"(SELECT id FROM ddis WHERE account_id = ? AND e164 = ?) WHERE {OWNER} = ?",
                    (account_id, number, account_id),
                )

    @staticmethod
    def _insert_many(db: sqlite3.Connection, table: Table, account_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert seeded rows: the fields the spec declares (anything else the seed invents is left out)."""
        if not rows:
            return
        columns = [name for name in rows[0] if name in table.kinds]
        names = ", ".join([OWNER, *map(quoted, columns)])
        sql = f"INSERT INTO {table.name} ({names}) VALUES (?{', ?' * len(columns)})"  # noqa: S608 - checked names
        db.executemany(sql, ([account_id, *(table.stored(name, row[name]) for name in columns)] for row in rows))

    def account_by_email(self, email: str) -> Account | None:
        """The enabled account of this email, if there is one."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ? AND disabled = 0",  # noqa: S608 - a constant
                (email,),
            ).fetchone()
        return Account(**dict(row)) if row else None

    def account_by_id(self, user_id: int) -> Account | None:
        """The enabled account of this user id, if there is one."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE user_id = ? AND disabled = 0",  # noqa: S608 - a constant
                (user_id,),
            ).fetchone()
        return Account(**dict(row)) if row else None

    # Logins are counted: a failure is recorded, and a login of a locked account refused (LockedOut).

    def check_lockout(self, user_id: int) -> None:
        """Raise LockedOut while the account refuses logins."""
        with self._lock:
            row = self._db.execute("SELECT until FROM lockouts WHERE user_id = ?", (user_id,)).fetchone()
        if row is not None:
            left = row[0] - self.clock()
            if left > 0:
                raise LockedOut(max(1, math.ceil(left)))

    def record_failed_login(self, user_id: int) -> None:
        """Count a wrong password or code: the MAX_FAILED_LOGINS-th within FAILED_LOGIN_WINDOW locks the
        account for LOCKOUT_SECONDS. Only failures within the window are kept (at most MAX_FAILED_LOGINS)."""
        now = self.clock()
        with self.transaction() as db:
            db.execute("DELETE FROM login_failures WHERE user_id = ? AND at <= ?", (user_id, now - FAILED_LOGIN_WINDOW))
            db.execute("INSERT INTO login_failures (user_id, at) VALUES (?, ?)", (user_id, now))
            count = db.execute("SELECT count(*) FROM login_failures WHERE user_id = ?", (user_id,)).fetchone()[0]
            if count >= MAX_FAILED_LOGINS:
                db.execute(
                    "INSERT INTO lockouts (user_id, until) VALUES (?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET until = excluded.until",
                    (user_id, now + LOCKOUT_SECONDS),
                )
                db.execute("DELETE FROM login_failures WHERE user_id = ?", (user_id,))

    def open_session(self, user_id: int, ttl: float) -> str:
        """A new session token of the account. Sessions idle longer than `ttl` are purged first (every
        account's), and the account's oldest beyond MAX_SESSIONS_PER_ACCOUNT ended."""
        token = secrets.token_hex(20)
        now = self.clock()
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE last_used < ?", (now - ttl,))
            db.execute("INSERT INTO sessions (token, user_id, last_used) VALUES (?, ?, ?)", (token, user_id, now))
            db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND token NOT IN "
                "(SELECT token FROM sessions WHERE user_id = ? ORDER BY last_used DESC, rowid DESC LIMIT ?)",
                (user_id, user_id, MAX_SESSIONS_PER_ACCOUNT),
            )
        return token

    def touch_session(self, token: str, ttl: float, user_id: int | None = None) -> int | None:
        """The user id of a live session token, its inactivity timer reset; None if unknown or expired,
        or (with `user_id`) another account's, whose session is then left as it was."""
        now = self.clock()
        with self.transaction() as db:
            row = db.execute("SELECT user_id, last_used FROM sessions WHERE token = ?", (token,)).fetchone()
            if row is None:
                return None
            if now - row["last_used"] > ttl:
                db.execute("DELETE FROM sessions WHERE token = ?", (token,))
                return None
            if user_id is not None and row["user_id"] != user_id:
                return None
            db.execute("UPDATE sessions SET last_used = ? WHERE token = ?", (now, token))
            return int(row["user_id"])

    def end_session(self, token: str) -> bool:
        """End a session now, as its expiry would; whether there was one."""
        with self.transaction() as db:
            return db.execute("DELETE FROM sessions WHERE token = ?", (token,)).rowcount > 0

    def open_nonce(self, user_id: int) -> str:
        """A new two-factor nonce of the account, good for NONCE_LIFETIME seconds and one attempt. Expired
        nonces are purged first (every account's), and the account's oldest beyond MAX_NONCES_PER_ACCOUNT dropped."""
        nonce = secrets.token_hex(16)
        now = self.clock()
        with self.transaction() as db:
            db.execute("DELETE FROM nonces WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO nonces (nonce, user_id, expires) VALUES (?, ?, ?)", (nonce, user_id, now + NONCE_LIFETIME)
            )
            db.execute(
                "DELETE FROM nonces WHERE user_id = ? AND nonce NOT IN "
                "(SELECT nonce FROM nonces WHERE user_id = ? ORDER BY expires DESC, rowid DESC LIMIT ?)",
                (user_id, user_id, MAX_NONCES_PER_ACCOUNT),
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

    def credentials_held(self) -> dict[str, int]:
        """How many sessions, nonces and counted failures the database holds (for tests and the curious)."""
        with self._lock:
            return {
                table: int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - constants
                for table in ("sessions", "nonces", "login_failures", "lockouts")
            }

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
        table = self.tables[kind]
        resource = table.resource
        conditions = parse_filter(filter_, resource)
        if filter_ is not None and resource.filter_pattern is not None and not resource.filter_pattern.search(filter_):
            raise FilterFormError(filter_)
        refused = resource.unnameable(sort) if sort is not None else None
        if refused:
            raise SortError(refused)
        order_column = table.compared(sort or "id")
        order = "DESC" if direction == "DESC" else "ASC"
        where = [f"{OWNER} = ?"]
        values: list[Any] = [account_id]
        for name, operator, value in conditions:
            where.append(f"{table.compared(name)} {operator} ?")
            values.append(value)
        size = limit or DEFAULT_PAGE_SIZE
        clause = " AND ".join(where)
        with self._lock:
            version = self._db.execute(
                f"SELECT version FROM {quoted(VERSIONS)} WHERE name = ?",  # noqa: S608 - a constant name
                (table.bare_name,),
            ).fetchone()[0]
            # Values with their types: 1 and 1.0 are equal keys, but not equal to SQLite against text.
            query = (table.bare_name, version, clause, *((type(value), value) for value in values))
            total = self._totals.get(query)
            if total is None:
                total = self._db.execute(f"SELECT COUNT(*) FROM {table.name} WHERE {clause}", values).fetchone()[0]  # noqa: S608
                self._remember(self._totals, query, int(total))
            # A page in id order starts after the last id of the page before, when that page was read
            # at this version: no OFFSET to step through (an export reads pages in order).
            keyset = order_column == "id"
            boundaries = self._boundaries.get((*query, order, size), {}) if keyset else {}
            after = boundaries.get(page)
            ordered = f"ORDER BY {order_column} {order}, id {order}"
            if after is not None:
                where_page, arguments = f"{clause} AND id {'>' if order == 'ASC' else '<'} ?", [*values, after, size]
                chosen = f"{where_page} {ordered} LIMIT ?"
            elif page == 1:
                chosen, arguments = f"{clause} {ordered} LIMIT ?", [*values, size]
            else:  # the ids of the page first, stepping through the index only, then their rows
                arguments = [*values, size, (page - 1) * size]
                chosen = f"id IN (SELECT id FROM {table.name} WHERE {clause} {ordered} LIMIT ? OFFSET ?) {ordered}"  # noqa: S608 - checked names
            json_of = quoted(ITEM_JSON)
            items, first, last, count = self._db.execute(
                "SELECT CAST('[' || coalesce(group_concat(item, ','), '') || ']' AS BLOB), min(id), max(id), count(*) "  # noqa: S608 - checked names
                f"FROM (SELECT {json_of} AS item, id FROM {table.name} WHERE {chosen})",
                arguments,
            ).fetchone()
            if keyset and count == size:
                self._remember(
                    self._boundaries, (*query, order, size), {**boundaries, page + 1: last if order == "ASC" else first}
                )
        return Page(items, int(total))

    @staticmethod
    def _remember(cache: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
        """Keep a figure of a query at a table's version; the oldest go when there are too many."""
        cache[key] = value
        while len(cache) > CACHED_QUERIES:
            del cache[next(iter(cache))]

    # --- single resources -----------------------------------------------------------------

    def _owned(self, db: sqlite3.Connection, table: Table, account_id: int, item_id: int) -> dict[str, Any]:
        row = db.execute(
            f"SELECT {OWNER}, {quoted(ITEM_JSON)} FROM {table.name} WHERE id = ?",  # noqa: S608 - checked names
            (item_id,),
        ).fetchone()
        if row is None:
            raise NotFound(item_id)
        if row[0] != account_id:
            raise AccessDenied(item_id)
        item: dict[str, Any] = json.loads(row[1])
        return item

    def get(self, kind: str, account_id: int, item_id: int) -> dict[str, Any]:
        with self._lock:
            return self._owned(self._db, self.tables[kind], account_id, item_id)

    def create(self, kind: str, account_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new item: the fields sent, the schema's `default` for those left out, null for the rest
        (every column written, so that an older database's SQL defaults never answer)."""
        table = self.tables[kind]
        with self.transaction() as db:
            written = self._stored_values(db, table, account_id, {**table.resource.defaults, **values})
            row = {**dict.fromkeys(table.resource.columns), **written}
            for found in table.resource.fields:  # the moments the server records: created_at
                if found.timestamp and found.name not in table.resource.writable:
                    row[found.name] = now_timestamp(self.clock)
            names = ", ".join([OWNER, *map(quoted, row)])
            cursor = db.execute(
                f"INSERT INTO {table.name} ({names}) VALUES (?{', ?' * len(row)})",  # noqa: S608 - checked names
                [account_id, *row.values()],
            )
            return self._owned(db, table, account_id, int(cursor.lastrowid or 0))

    def insert_items(self, kind: str, account_id: int, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Store items as given, for any collection (read-only ones too) and with any field (timestamps
        too): what create() would refuse or overwrite. The test controls check the values first."""
        table = self.tables[kind]
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM accounts WHERE user_id = ?", (account_id,)).fetchone() is None:
                raise AccountError(f"no account has user id {account_id}")
            added = []
            for item in items:
                row = dict.fromkeys(table.resource.columns)
                row.update({name: table.stored(name, value) for name, value in item.items()})
                names = ", ".join([OWNER, *map(quoted, row)])
                cursor = db.execute(
                    f"INSERT INTO {table.name} ({names}) VALUES (?{', ?' * len(row)})",  # noqa: S608 - checked names
                    [account_id, *row.values()],
                )
                added.append(self._owned(db, table, account_id, int(cursor.lastrowid or 0)))
            return added

    def update(self, kind: str, account_id: int, item_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        table = self.tables[kind]
        with self.transaction() as db:
            self._owned(db, table, account_id, item_id)
            row = self._stored_values(db, table, account_id, values)
            if row:
                assignments = ", ".join(f"{quoted(column)} = ?" for column in row)
                db.execute(
                    f"UPDATE {table.name} SET {assignments} WHERE id = ?",  # noqa: S608 - checked names
                    [*row.values(), item_id],
                )
            return self._owned(db, table, account_id, item_id)

    def delete(self, kind: str, account_id: int, item_id: int) -> None:
        table = self.tables[kind]
        with self.transaction() as db:
            self._owned(db, table, account_id, item_id)
            db.execute(f"DELETE FROM {table.name} WHERE id = ?", (item_id,))  # noqa: S608 - checked names

    def _stored_values(
        self, db: sqlite3.Connection, table: Table, account_id: int, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The columns a request body writes: its fields by name, references checked to be the caller's own,
        and the fields of WRITE_RULES turned into the columns they set."""
        resource = table.resource
        row: dict[str, Any] = {}
        for name, value in values.items():
            table.check_integer(name, value)  # before any lookup with it
            rule = WRITE_RULES.get(name)
            if rule is not None and name not in resource.columns:
                row.update(rule(db, resource, account_id, value))
                continue
            target = resource.references.get(name)
            if target is not None and value is not None:
                owned = db.execute(
                    f"SELECT 1 FROM {self.tables[target].name} WHERE id = ? AND {OWNER} = ?",  # noqa: S608
                    (value, account_id),
                ).fetchone()
                if owned is None:  # missing or another account's: the same answer, so ids reveal nothing
                    raise ForeignReference(name, target)
            row[name] = table.stored(name, value)
        return row


def clashing_names(resource: Resource) -> list[str]:
    """The fields of a resource whose names SQLite takes for another's, for id or for the owner column."""
    seen: dict[str, str] = {}
    clashes = []
    for name in dict.fromkeys([*resource.columns, *sorted(resource.writable)]):
        key = name.lower()
        if key in ("id", OWNER):
            clashes.append(name)
        elif seen.setdefault(key, name) != name:
            clashes.append(f"{seen[key]}/{name}")
    return clashes


def column_definitions(fields: Sequence[Field], kept: Sequence[tuple[str, str]] = ()) -> str:
    """The columns of a resource's table: id, the owner, a column per field, and `kept` (name, SQL type) pairs."""
    columns = [
        "id INTEGER PRIMARY KEY AUTOINCREMENT",
        f"{OWNER} INTEGER NOT NULL",
        *(f"{quoted(found.name)} {SQL_TYPES[found.kind]}" for found in fields),
        *(f"{quoted(name)} {sql_type}" for name, sql_type in kept),
    ]
    return ", ".join(columns)


def table_columns(db: sqlite3.Connection, table: str) -> dict[str, str]:
    """The columns of a table (none when there is no such table), name -> declared SQL type."""
    return {row["name"]: row["type"] for row in db.execute("SELECT name, type FROM pragma_table_info(?)", (table,))}


def is_old_table(db: sqlite3.Connection, resource: str) -> bool:
    """Whether the database holds the table an older sandbox kept this collection in (named after it)."""
    return resource not in SANDBOX_TABLES and {"id", OWNER} <= set(table_columns(db, resource))


def adopt_old_table(db: sqlite3.Connection, resource: Resource) -> None:
    """Rebuild an older sandbox's table of this collection as the sandbox's own: renamed, without the SQL
    defaults and NOT NULL it may have had on its fields, rows, ids and the id sequence kept, and the
    columns of fields the spec no longer declares kept as they were."""
    old, new = resource.name, table_name(resource.name)
    existing = table_columns(db, old)
    declared = {name.lower() for name in ("id", OWNER, *resource.columns)}  # as SQLite compares column names
    kept = [(name, sql_type) for name, sql_type in existing.items() if name.lower() not in declared]
    db.execute(f"CREATE TABLE {quoted(new)} ({column_definitions(resource.fields, kept)})")
    copied = ", ".join(quoted(name) for name in existing)
    db.execute(f"INSERT INTO {quoted(new)} ({copied}) SELECT {copied} FROM {quoted(old)}")  # noqa: S608
    sequence = db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (old,)).fetchone()
    if sequence is not None:  # ids deleted from the old table are not given out again
        db.execute("DELETE FROM sqlite_sequence WHERE name = ?", (new,))
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (new, sequence[0]))
    db.execute(f"DROP TABLE {quoted(old)}")


def _ddi_from_e164(db: sqlite3.Connection, resource: Resource, account_id: int, number: Any) -> dict[str, Any]:
    """`ddi_e164` (the number calls come from) is stored as `ddi`, the id of the account's DDI with that number."""
    if "ddi" not in resource.columns or number is None:
        return {}
    db.execute("INSERT OR IGNORE INTO ddis (account_id, e164) VALUES (?, ?)", (account_id, number))
    found = db.execute("SELECT id FROM ddis WHERE account_id = ? AND e164 = ?", (account_id, number)).fetchone()
    return {"ddi": found[0]}


# Request fields the items do not declare, and how each is stored: written by hand because
# the spec says it in words only. A body field that is neither a declared field nor here
# keeps the sandbox from starting, naming it.
WRITE_RULES: dict[str, Callable[[sqlite3.Connection, Resource, int, Any], dict[str, Any]]] = {
    "ddi_e164": _ddi_from_e164,
}
