"""In-process notifier: the embedded shape, where pages and live streams share a process."""

from __future__ import annotations

import queue
import threading

from kiosco.leases.engine import Notice


class InProcessSubscription:
    def __init__(self, hub: InProcessNotifier) -> None:
        self._hub = hub
        self._queue: queue.Queue[Notice] = queue.Queue()

    def put(self, notice: Notice) -> None:
        self._queue.put(notice)

    def get(self, timeout: float) -> Notice | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._hub.unsubscribe(self)


class InProcessNotifier:
    def __init__(self) -> None:
        self._subscribers: set[InProcessSubscription] = set()
        self._lock = threading.Lock()

    def publish(self, notice: Notice) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            subscription.put(notice)

    def subscribe(self) -> InProcessSubscription:
        subscription = InProcessSubscription(self)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: InProcessSubscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)
