"""``Database`` adapters for the SQL store: Django's connection (the app), and bare
psycopg or sqlite3 connections (separate processes in tests, the benchmark)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from kiosco.leases.stores import StoreConflict

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def is_unique_violation(error: BaseException) -> bool:
    """A uniqueness guard fired (a race the engine answers), as opposed to a CHECK or
    NOT NULL violation (a bug, raised as it is). Django wraps the driver's error."""
    cause = error.__cause__ if error.__cause__ is not None else error
    if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION:
        return True
    return isinstance(cause, sqlite3.IntegrityError) and "UNIQUE constraint" in str(cause)


def _raise_conflict(error: BaseException | None) -> None:
    if error is not None and is_unique_violation(error):
        raise StoreConflict(str(error)) from error


class DjangoDatabase:
    """Django's connection (so ``atomic`` nests as a savepoint inside a caller's
    transaction, and a release inside a password change commits with it).

    Statements go to the driver cursor under Django's error wrapper, skipping
    Django's per-query cursor wrapping: the lease check is on every page view, and
    that wrapping cost more than the query itself (bench/bench_leases.py). The price:
    these queries do not show in ``connection.queries`` under DEBUG.
    """

    def __init__(self, alias: str = "default") -> None:
        from django.db import connections

        self.alias = alias
        self._connections = connections
        self.vendor = connections[alias].vendor
        self._native: dict[str, str] = {}
        self._thread = threading.local()

    @property
    def connection(self) -> Any:
        """This thread's Django connection. Django keeps one per thread for good
        (``ConnectionHandler.thread_critical``), so it is looked up once per thread."""
        try:
            return self._thread.wrapper
        except AttributeError:
            self._thread.wrapper = self._connections[self.alias]
            return self._thread.wrapper

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        wrapper = self.connection
        if wrapper.connection is None:
            wrapper.ensure_connection()
        query = self._native.get(sql) or self._to_native(sql)
        try:
            cursor = wrapper.connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []
        except Exception:
            with wrapper.wrap_database_errors:  # re-raised as Django's own error class
                raise

    def _to_native(self, sql: str) -> str:
        native = sql.replace("%s", "?") if self.vendor == "sqlite" else sql
        self._native[sql] = native
        return native

    def atomic(self) -> AbstractContextManager[None]:
        """Inside a caller's transaction: Django's atomic (a savepoint). Otherwise a
        plain BEGIN/COMMIT on the driver, as Django would send, without its
        bookkeeping (a lease write is two statements; the bookkeeping cost more)."""
        wrapper = self.connection
        if wrapper.in_atomic_block or not wrapper.get_autocommit():
            return _DjangoAtomic(self.alias)
        return _PlainTransaction(wrapper, "BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN")


class _DjangoAtomic:
    def __init__(self, alias: str) -> None:
        from django.db import transaction

        self._atomic = transaction.atomic(using=alias)

    def __enter__(self) -> None:
        self._atomic.__enter__()

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        from django.db import IntegrityError

        try:
            self._atomic.__exit__(kind, error, tb)
        except IntegrityError as late:
            _raise_conflict(late)
            raise
        if isinstance(error, IntegrityError):
            _raise_conflict(error)


class _PlainTransaction:
    def __init__(self, wrapper: Any, begin: str) -> None:
        self.wrapper, self.begin = wrapper, begin

    def __enter__(self) -> None:
        if self.wrapper.connection is None:
            self.wrapper.ensure_connection()
        self._send(self.begin)

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> None:
        from django.db import IntegrityError

        try:
            self._send("COMMIT" if error is None else "ROLLBACK")
        except IntegrityError as late:
            _raise_conflict(late)
            raise
        if isinstance(error, IntegrityError):
            _raise_conflict(error)

    def _send(self, statement: str) -> None:
        try:
            self.wrapper.connection.execute(statement)
        except Exception:
            with self.wrapper.wrap_database_errors:  # re-raised as Django's own error class
                raise


class PsycopgDatabase:
    """A psycopg 3 connection in autocommit, with client-side binding like Django's."""

    vendor = "postgresql"

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.connection = psycopg.connect(dsn, autocommit=True, cursor_factory=psycopg.ClientCursor)

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor = self.connection.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def atomic(self) -> Iterator[None]:
        import psycopg

        try:
            with self.connection.transaction():
                yield
        except psycopg.errors.UniqueViolation as error:
            raise StoreConflict(str(error)) from error

    def close(self) -> None:
        self.connection.close()


class SqliteDatabase:
    """A sqlite3 connection in autocommit; ``atomic`` takes the write lock up front
    (BEGIN IMMEDIATE), as the app's Django settings do."""

    vendor = "sqlite"

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=20)
        self._placeholders: dict[str, str] = {}

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        query = self._placeholders.get(sql)
        if query is None:
            query = self._placeholders[sql] = sql.replace("%s", "?")
        return self.connection.execute(query, params).fetchall()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except sqlite3.IntegrityError as error:
            self.connection.execute("ROLLBACK")
            _raise_conflict(error)
            raise
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()
