"""Settings refuse to start on values that would be unsafe or wrong in production."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); print('started')"


def start_django(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSCO_")}
    env.update(DJANGO_SETTINGS_MODULE="kiosco.settings", **overrides)
    return subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True)


def test_it_refuses_to_start_in_production_with_the_default_secret():
    result = start_django(KIOSCO_DEBUG="0")
    assert result.returncode != 0
    assert "KIOSCO_SECRET_KEY is not set" in result.stderr


def test_it_refuses_a_short_secret():
    result = start_django(KIOSCO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "at least 32 characters" in result.stderr


def test_it_refuses_a_mistyped_boolean():
    result = start_django(KIOSCO_SECRET_KEY="s" * 40, KIOSCO_DEBUG="ture")
    assert result.returncode != 0
    assert "KIOSCO_DEBUG must be a boolean" in result.stderr


def test_it_refuses_a_database_url_it_cannot_read():
    result = start_django(KIOSCO_SECRET_KEY="s" * 40, DATABASE_URL="oracle-ish://nowhere")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_it_refuses_held_hints_without_a_shared_redis():
    result = start_django(KIOSCO_SECRET_KEY="s" * 40, KIOSCO_LEASE_HINTS="1", REDIS_URL="")
    assert result.returncode != 0
    assert "KIOSCO_LEASE_HINTS needs REDIS_URL" in result.stderr


def test_it_starts_with_a_real_secret_and_debug_off():
    result = start_django(KIOSCO_SECRET_KEY="s" * 40, KIOSCO_DEBUG="0")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_a_source_checkout_keeps_its_data_in_its_own_var_whatever_the_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSCO_")}
    env.update(DJANGO_SETTINGS_MODULE="kiosco.settings", KIOSCO_DEBUG="1")
    env.pop("DATABASE_URL", None)
    probe = "import django; django.setup(); from django.conf import settings as s; print(s.VAR_DIR)"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout.strip() == str(ROOT / "var")
    assert not (tmp_path / "var").exists()
