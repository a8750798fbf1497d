"""``Database`` adapters for the SQL store: Django's connection (the app), and bare
psycopg or sqlite3 connections (separate processes in tests, the benchmark)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kiosco.leases.stores import StoreConflict


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

    @property
    def connection(self) -> Any:
        return self._connections[self.alias]  # per thread, as Django keeps them

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        wrapper = self._connections[self.alias]
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

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Inside a caller's transaction: Django's atomic (a savepoint). Otherwise a
        plain BEGIN/COMMIT on the driver, as Django would send, without its
        bookkeeping (a lease write is two statements; the bookkeeping cost more)."""
        from django.db import IntegrityError, transaction

        wrapper = self._connections[self.alias]
        try:
            if wrapper.in_atomic_block or not wrapper.get_autocommit():
                with transaction.atomic(using=self.alias):
                    yield
            else:
                with self._plain_transaction(wrapper):
                    yield
        except IntegrityError as error:
            raise StoreConflict(str(error)) from error

    @contextmanager
    def _plain_transaction(self, wrapper: Any) -> Iterator[None]:
        if wrapper.connection is None:
            wrapper.ensure_connection()
        driver = wrapper.connection
        with wrapper.wrap_database_errors:
            driver.execute("BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN")
        try:
            yield
        except BaseException:
            with wrapper.wrap_database_errors:
                driver.execute("ROLLBACK")
            raise
        with wrapper.wrap_database_errors:
            driver.execute("COMMIT")


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
        except psycopg.errors.IntegrityError as error:
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
            raise StoreConflict(str(error)) from error
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()
