"""PostgreSQL LISTEN/NOTIFY notifier: several instances, no Redis needed.

``publish`` sends ``pg_notify`` on Django's connection; it runs after commit (see
services.py), and NOTIFY is itself delivered only when its transaction commits."""

from __future__ import annotations

from collections.abc import Generator

import psycopg
from psycopg import sql

from kiosco.leases.engine import Notice
from kiosco.leases.notifiers import CHANNEL, decode, encode


class PostgresSubscription:
    def __init__(self, dsn: str, channel: str) -> None:
        self._connection = psycopg.connect(dsn, autocommit=True)
        self._connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def get(self, timeout: float) -> Notice | None:
        notifies: Generator[psycopg.Notify, None, None] = self._connection.notifies(
            timeout=timeout, stop_after=1
        )
        for notify in notifies:
            return decode(notify.payload)
        return None

    def close(self) -> None:
        self._connection.close()


class PostgresNotifier:
    """Without a ``dsn`` it publishes on Django's connection (the lease database
    itself); with one, on a connection of its own to that server."""

    def __init__(self, dsn: str | None = None, channel: str = CHANNEL) -> None:
        self._dsn = dsn
        self._own: psycopg.Connection | None = None
        self.channel = channel

    def publish(self, notice: Notice) -> None:
        params = [self.channel, encode(notice)]
        if self._dsn is None:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, %s)", params)
            return
        if self._own is None or self._own.closed:
            self._own = psycopg.connect(self._dsn, autocommit=True)
        self._own.execute("SELECT pg_notify(%s, %s)", params)

    def subscribe(self) -> PostgresSubscription:
        return PostgresSubscription(self._dsn or _django_dsn(), self.channel)


def _django_dsn() -> str:
    from django.db import connection

    params = connection.get_connection_params()
    keep = ("host", "port", "user", "password", "dbname")
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if k in keep and v})
