"""``Database`` adapters for the SQL store: Django's connection (the app), and bare
psycopg or sqlite3 connections (separate processes in tests, the benchmark). Each
turns a uniqueness violation into ``StoreConflict`` and a deadlock or serialization
failure into ``StoreRace``."""

from __future__ import annotations

import logging
import re
import sqlite3
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from kiosco.leases.stores import StoreConflict, StoreRace

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATEs
RACES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_NAMED = re.compile(r"%\((\w+)\)s")


def is_unique_violation(error: BaseException) -> bool:
    """A uniqueness guard fired (a race the engine answers), as opposed to a CHECK or
    NOT NULL violation (a bug, raised as it is). Django wraps the driver's error."""
    cause = error.__cause__ if error.__cause__ is not None else error
    if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION:
        return True
    return isinstance(cause, sqlite3.IntegrityError) and "UNIQUE constraint" in str(cause)


def is_race(error: BaseException) -> bool:
    """The database broke a deadlock or refused to serialize: a lost race, retried."""
    cause = error.__cause__ if error.__cause__ is not None else error
    return getattr(cause, "sqlstate", None) in RACES


@contextmanager
def translated() -> Iterator[None]:
    """Driver or Django errors that are races leave as ``StoreConflict``/``StoreRace``;
    every other error propagates as itself (a CHECK violation is a bug, not a race)."""
    try:
        yield
    except (StoreConflict, StoreRace):
        raise
    except Exception as error:
        if is_unique_violation(error):
            raise StoreConflict(str(error)) from error
        if is_race(error):
            raise StoreRace(str(error)) from error
        raise


_preparing = {"on": True}
# One server-binding cursor per connection, kept: making a psycopg cursor copies its
# adapters, a third of the lease read's own cost. A connection serves one thread.
_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _server_cursor(connection: Any) -> Any:
    cursor = _cursors.get(connection)
    if cursor is None or cursor.closed:
        import psycopg

        cursor = _cursors[connection] = psycopg.Cursor(connection)
    return cursor


def prepared_statements() -> bool:
    from django.conf import settings

    return _preparing["on"] and bool(getattr(settings, "KIOSCO_LEASE_PREPARED_STATEMENTS", True))


def _stop_preparing() -> None:
    if _preparing["on"]:
        _preparing["on"] = False
        logging.getLogger("kiosco.leases").warning(
            "prepared statements fail behind this connection (a pooler in transaction mode?):"
            " the lease check goes unprepared; set KIOSCO_LEASE_PREPARED_STATEMENTS=0"
        )


class DjangoDatabase:
    """Django's connection. Transactions go through ``transaction.atomic`` (a
    savepoint inside a caller's transaction, so a release inside a password change
    commits with it; the database's configured isolation level; BEGIN IMMEDIATE on
    SQLite from the settings' ``transaction_mode``).

    Statements go through Django's cursor whenever Django watches queries (DEBUG,
    ``CaptureQueriesContext`` and the query-count assertions, ``execute_wrapper``):
    the lease queries then show in ``connection.queries`` like any other. Otherwise
    they go to the driver's cursor, under Django's error wrapper: the check is on
    every subscriber page view, and on SQLite Django's per-query cursor wrapping
    costs about as much as the query itself (bench/bench_leases.py measured 0.45 of
    the raw rate through it; the aim is at least 0.5).
    """

    def __init__(self, alias: str = "default") -> None:
        from django.db import connections

        self.alias = alias
        self._connections = connections
        self.vendor = connections[alias].vendor
        self._native: dict[str, str] = {}

    @property
    def connection(self) -> Any:
        """The Django connection of this thread, looked up on every use, never kept:
        ``transaction.atomic`` looks it up too, and a kept wrapper can stop being the
        one Django hands out (seen after the browser tests), which put statements on
        a second connection beside the transaction's own — a SQLite self-deadlock."""
        return self._connections[self.alias]

    def fetch(
        self, sql: str, params: Mapping[str, Any], *, prepare: bool = False
    ) -> list[tuple[Any, ...]]:
        wrapper = self.connection
        if wrapper.queries_logged or wrapper.execute_wrappers:
            with translated(), wrapper.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        if wrapper.connection is None:
            wrapper.ensure_connection()
        wrapper.validate_no_broken_transaction()
        query = self._native.get(sql) or self._to_native(sql)
        with translated():
            try:
                cursor = self._execute(wrapper.connection, query, params, prepare)
            except Exception:
                with wrapper.wrap_database_errors:  # re-raised as Django's own error class
                    raise
            # A prepared statement is a read, with rows (``description`` builds a column
            # object per column on every call: skipped where the answer is known).
            return cursor.fetchall() if prepare or cursor.description else []

    def _execute(
        self, connection: Any, query: str, params: Mapping[str, Any], prepare: bool
    ) -> Any:
        """``prepare`` (the store's read, on every subscriber page), on PostgreSQL: a
        prepared statement with server-side binding: the server parses and plans the
        lease check once per connection instead of on every page
        (measured here: 53 against 154 microseconds a query, most of it the server's
        CPU, which the web workers share). Django itself binds on the client and
        prepares nothing, for the sake of transaction-mode poolers; those that keep
        prepared statements (PgBouncer 1.21+) are fine, the others set
        KIOSCO_LEASE_PREPARED_STATEMENTS=0."""
        if prepare and self.vendor == "postgresql" and prepared_statements():
            import psycopg

            try:
                return _server_cursor(connection).execute(query, params, prepare=True)
            except (
                psycopg.errors.InvalidSqlStatementName,
                psycopg.errors.DuplicatePreparedStatement,
            ):
                # A pooler that hands statements to other server sessions: stop preparing
                # in this process (said once in the log), and answer this read unprepared.
                _stop_preparing()
                if not connection.autocommit:
                    raise  # the transaction is aborted; its caller retries or answers 503
        return connection.execute(query, params)

    def _to_native(self, sql: str) -> str:
        native = _NAMED.sub(r":\1", sql) if self.vendor == "sqlite" else sql
        self._native[sql] = native
        return native

    @contextmanager
    def atomic(self) -> Iterator[None]:
        from django.db import transaction

        with translated(), transaction.atomic(using=self.alias):
            yield


class PsycopgDatabase:
    """A psycopg 3 connection in autocommit, with client-side binding like Django's."""

    vendor = "postgresql"

    def __init__(self, dsn: str, isolation: str | None = None) -> None:
        import psycopg

        self.connection = psycopg.connect(dsn, autocommit=True, cursor_factory=psycopg.ClientCursor)
        if isolation is not None:  # e.g. "repeatable read": every transaction at that level
            self.connection.execute(
                f"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {isolation}"
            )

    def fetch(
        self, sql: str, params: Mapping[str, Any], *, prepare: bool = False
    ) -> list[tuple[Any, ...]]:
        """``prepare`` is ignored: the races and benchmarks bind on the client."""
        with translated():
            cursor = self.connection.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with translated(), self.connection.transaction():
            yield

    def close(self) -> None:
        self.connection.close()


class SqliteDatabase:
    """A sqlite3 connection in autocommit; ``atomic`` takes the write lock up front
    (BEGIN IMMEDIATE), as the app's Django settings do."""

    vendor = "sqlite"

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=20)
        self._placeholders: dict[str, str] = {}

    def fetch(
        self, sql: str, params: Mapping[str, Any], *, prepare: bool = False
    ) -> list[tuple[Any, ...]]:
        query = self._placeholders.get(sql)
        if query is None:
            query = self._placeholders[sql] = _NAMED.sub(r":\1", sql)
        with translated():
            return self.connection.execute(query, params).fetchall()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            with translated():
                yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()
