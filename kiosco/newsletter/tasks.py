"""Background tasks (django-tasks, database backend: no broker). `kiosco worker` runs
them; each batch queues the next, so a long send never holds one task for hours."""

from __future__ import annotations

from django_tasks import task

from kiosco.newsletter import issues


@task(queue_name="newsletter")
def send_issue_batch(issue_id: int) -> int:
    """One batch of an issue; queues the next while recipients remain."""
    settled = issues.send_batch(issue_id)
    if settled:
        send_issue_batch.enqueue(issue_id)
    return settled
