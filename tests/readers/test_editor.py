"""The editor's way in: the demo prints a staff login that opens the newsroom in the
admin; the ``kiosco`` command answers a settings mistake without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from kiosco.readers.demo import EDITOR, PASSWORD, load_editor

pytestmark = pytest.mark.django_db


def test_it_loads_an_editor_who_can_open_the_newsroom_admin():
    lines = load_editor()
    assert lines == load_editor() and EDITOR in lines[0] and PASSWORD in lines[0]
    browser = Client()
    response = browser.post("/accounts/login/", {"login": EDITOR, "password": PASSWORD})
    assert response.status_code == 302
    admin = browser.get("/admin/")
    assert admin.status_code == 200 and b"/admin/newsroom/article/" in admin.content


def test_it_answers_a_missing_secret_with_a_message_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSCO_", "DATABASE_URL"))}
    done = subprocess.run(
        [sys.executable, "-c", "from kiosco.cli import main; main()", "createsuperuser"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 2
    assert "KIOSCO_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
