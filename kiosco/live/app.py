"""The live service: Server-Sent Events telling an open page that its reading moved.

A small async app (Starlette, sse-starlette for the protocol) beside Django's WSGI
pages, fed by the lease notifier: in-process in the embedded shape (``kiosco.asgi``
routes ``/live/`` here), Redis pub/sub or PostgreSQL LISTEN/NOTIFY across processes
(``kiosco live``). One stream per open page: ``GET /live/lease`` with the device and
lease cookies. On every (re)connect it checks the lease in the database first, so a
page that reconnects after missing a notice is told at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import cache

from asgiref.sync import sync_to_async
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kiosco.leases.results import Notice, Token
from kiosco.leases.timing import timing
from kiosco.live.hub import Hub


@cache
def hub() -> Hub:
    from kiosco.leases import services

    return Hub(services.notifier().subscribe)


def _token(request: Request) -> Token | None:
    from kiosco.leases.tokens import read_token
    from kiosco.paywall.app_settings import LEASE_COOKIE
    from kiosco.readers.app_settings import DEVICE_COOKIE

    device = request.cookies.get(DEVICE_COOKIE, "")
    return read_token(request.cookies.get(LEASE_COOKIE), device) if device else None


def _still_holds(token: Token) -> bool:
    """Does the device hold the slot under exactly this token, by the store's clock?"""
    from django.db import close_old_connections

    from kiosco.leases import services

    close_old_connections()
    try:
        now, rows = services.store().read_seat(token.seat)
    finally:
        close_old_connections()
    row = next((r for r in rows if r.slot == token.slot), None)
    current = row is not None and (row.generation, row.device) == (token.generation, token.device)
    return current and row is not None and row.is_live(now)


def _changed(reason: str) -> dict[str, str]:
    return {"event": "changed", "data": json.dumps({"reason": reason})}


async def lease_stream(request: Request) -> Response:
    token = _token(request)
    if token is None:
        # 204 tells EventSource to stop reconnecting: this page holds no lease.
        return Response(status_code=204)
    queue = hub().open(token.device)
    if queue is None:
        return PlainTextResponse("Too many open pages on this device.", status_code=429)
    # Listening before the check, so a notice sent after it is not missed.
    await sync_to_async(hub().wait_listening, thread_sensitive=False)(2.0)
    holds = await sync_to_async(_still_holds, thread_sensitive=False)(token)
    return EventSourceResponse(
        _events(token, queue, holds),
        ping=int(timing().live_keepalive_seconds),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(token: Token, queue: asyncio.Queue[Notice], holds: bool) -> AsyncIterator[dict]:
    try:
        yield {"retry": int(timing().live_reconnect_seconds * 1000), "comment": "kiosco"}
        if not holds:
            yield _changed("not_held")
            return
        while True:
            notice = await queue.get()
            if notice.seat == token.seat and notice.slot == token.slot:
                yield _changed(notice.reason)
                return
    finally:
        hub().close(token.device, queue)


async def health(request: Request) -> Response:
    return PlainTextResponse(f"ok {hub().stream_count()} streams")


application = Starlette(routes=[Route("/live/lease", lease_stream), Route("/live/healthz", health)])
