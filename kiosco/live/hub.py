"""One listener per live process on the lease notifier, fanning each notice out to the
open streams of the device it names.

The notifier's subscriptions block (a queue, Redis pub/sub, PostgreSQL LISTEN), so the
listener runs in a thread of its own and hands notices to the event loop with
``call_soon_threadsafe``. A notice may be lost (the transport is allowed to): a page
that misses one learns the truth at its next heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from kiosco.leases.notifiers import Subscription
from kiosco.leases.results import Notice

log = logging.getLogger("kiosco.live")
MAX_STREAMS_PER_DEVICE = 4  # tabs of one browser; past it a stream is refused (429)
RETRY_SECONDS = 1.0  # after the transport failed, before subscribing again


Stream = tuple[asyncio.AbstractEventLoop, "asyncio.Queue[Notice]"]


class Hub:
    def __init__(self, subscribe: Callable[[], Subscription]) -> None:
        self._subscribe = subscribe
        # Each stream keeps the loop it lives on: the listener thread hands it notices
        # through that loop (one loop per process in production, more in tests).
        self._streams: dict[str, set[Stream]] = defaultdict(set)
        self._lock = threading.Lock()
        self._listening = False
        self._ready = threading.Event()

    def open(self, device: str) -> asyncio.Queue[Notice] | None:
        """A queue of this device's notices, or None past ``MAX_STREAMS_PER_DEVICE``."""
        self._start_listening()
        queue: asyncio.Queue[Notice] = asyncio.Queue()
        with self._lock:
            streams = self._streams[device]
            if len(streams) >= MAX_STREAMS_PER_DEVICE:
                return None
            streams.add((asyncio.get_running_loop(), queue))
        return queue

    def close(self, device: str, queue: asyncio.Queue[Notice]) -> None:
        with self._lock:
            streams = self._streams.get(device, set())
            streams.difference_update({s for s in streams if s[1] is queue})
            if not streams:
                self._streams.pop(device, None)

    def stream_count(self) -> int:
        return sum(len(streams) for streams in self._streams.values())

    def wait_listening(self, timeout: float) -> bool:
        """True once the listener subscribed (tests and the bench wait on it)."""
        return self._ready.wait(timeout)

    def _start_listening(self) -> None:
        with self._lock:
            if self._listening:
                return
            self._listening = True
        threading.Thread(target=self._listen, name="kiosco-live-hub", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                subscription = self._subscribe()
            except Exception:  # the transport is down: try again, never die
                log.exception("live: cannot subscribe to lease notices")
                time.sleep(RETRY_SECONDS)
                continue
            self._ready.set()
            try:
                self._pump(subscription)
            except Exception:
                log.exception("live: lease notices stopped; subscribing again")
            finally:
                subscription.close()

    def _pump(self, subscription: Subscription) -> None:
        while True:
            notice = subscription.get(timeout=1.0)
            if notice is not None:
                self._deliver(notice)

    def _deliver(self, notice: Notice) -> None:
        with self._lock:
            streams = list(self._streams.get(notice.device, ()))
        for loop, queue in streams:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, notice)
