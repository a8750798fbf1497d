"""Loaded by pytest before Django's settings (``-p tests.support.testenv``): a test run
is not production, so it gets a throwaway secret instead of the refusal."""

import os

os.environ.setdefault("KIOSCO_SECRET_KEY", "test-only-secret-" + "x" * 40)
