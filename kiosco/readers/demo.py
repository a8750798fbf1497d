"""The demo edition's editor: a staff account that edits the newsroom in ``/admin/``
(``make run`` prints its login). Staff with the newsroom's permissions, not a
superuser: what an editor at a publisher would get."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission

from kiosco.readers.models import Reader

EDITOR = "editor@kiosco.example"
PASSWORD = "kiosco-demo"


def load_editor() -> list[str]:
    """Demo loader (``KIOSCO_DEMO_LOADERS``): idempotent, returns the sign-in line."""
    editor = Reader.objects.filter(email=EDITOR).first()
    if editor is None:
        editor = Reader.objects.create_user(email=EDITOR, password=PASSWORD, is_staff=True)
        EmailAddress.objects.create(user=editor, email=EDITOR, verified=True, primary=True)
        editor.user_permissions.set(Permission.objects.filter(content_type__app_label="newsroom"))
    return [f"{EDITOR} / {PASSWORD} — editor: articles, sections and authors at /admin/"]
