"""`kiosco send-newsletter ISSUE_ID`: send (or resume) an issue in this process, with a
progress bar. Safe beside a worker sending the same issue: rows are claimed one by one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kiosco.newsletter import issues
from kiosco.newsletter.models import Issue


class Command(BaseCommand):
    help = "Send a newsletter issue to its list (resumes an interrupted send)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("issue_id", type=int)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        issue = Issue.objects.filter(pk=options["issue_id"]).first()
        if issue is None:
            raise CommandError(f"No issue {options['issue_id']}.")
        if issue.status == Issue.Status.DRAFT:
            issues.start_sending(issue)
        counts = issues.progress(issue)
        bar = tqdm(
            total=counts["total"],
            initial=counts["total"] - counts["pending"],
            unit="msg",
            disable=options["no_progress"],
            file=self.stderr._out,
        )
        with bar:
            issues.send_all(issue.pk, on_sent=bar.update)
        final = issues.progress(issue)
        self.stdout.write(
            f"sent {final['sent']}, skipped {final['skipped']}, refused {final['failed']}, "
            f"interrupted {final['claimed']} of {final['total']}"
        )
