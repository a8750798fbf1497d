"""Redis pub/sub notifier: several app instances, notices fanned out by Redis.

Pub/sub is fire-and-forget — a listener that is down misses notices — which is all a
notice needs (the next check tells the page the truth)."""

from __future__ import annotations

import time

import redis

from kiosco.leases.engine import Notice
from kiosco.leases.notifiers import CHANNEL, decode, encode


class RedisSubscription:
    def __init__(self, client: redis.Redis, channel: str) -> None:
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(channel)
        # Wait for the subscribe confirmation, so a publish right after is not missed.
        self._pubsub.get_message(timeout=1.0)

    def get(self, timeout: float) -> Notice | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self._pubsub.get_message(timeout=left)
            if message is not None and message["type"] == "message":
                return decode(message["data"])
        return None

    def close(self) -> None:
        self._pubsub.close()


class RedisNotifier:
    def __init__(self, url: str | None = None, channel: str = CHANNEL) -> None:
        if url is None:
            from django.conf import settings

            url = settings.REDIS_URL
        self._client = redis.Redis.from_url(url)
        self.channel = channel

    def publish(self, notice: Notice) -> None:
        self._client.publish(self.channel, encode(notice))

    def subscribe(self) -> RedisSubscription:
        return RedisSubscription(self._client, self.channel)
