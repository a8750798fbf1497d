"""``kiosco roll-subscriptions``: end periods that are over (run it hourly from cron or a
task scheduler). Demo subscriptions renew; pending downgrades close their extra seats;
canceled and lapsed past-due subscriptions expire and release their seats."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kiosco.subscriptions.services.lifecycle import roll_over_periods


class Command(BaseCommand):
    help = "Renew, downgrade or expire subscriptions whose period (or grace) has ended."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = roll_over_periods()
        self.stdout.write(f"{changed} subscriptions rolled over")
