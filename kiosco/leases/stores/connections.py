"""``Database`` adapters for the SQL store: Django's connection (the app), and bare
psycopg or sqlite3 connections (separate processes in tests, the benchmark)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kiosco.leases.stores import StoreConflict


class DjangoDatabase:
    """Django's default connection; ``atomic`` nests as a savepoint inside a caller's
    transaction, so a release inside a password change commits with it."""

    def __init__(self, alias: str = "default") -> None:
        from django.db import connections

        self.alias = alias
        self.vendor = connections[alias].vendor

    @property
    def connection(self) -> Any:
        from django.db import connections

        return connections[self.alias]  # per thread, as Django keeps them

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    @contextmanager
    def atomic(self) -> Iterator[None]:
        from django.db import IntegrityError, transaction

        try:
            with transaction.atomic(using=self.alias):
                yield
        except IntegrityError as error:
            raise StoreConflict(str(error)) from error


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
