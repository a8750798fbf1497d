"""Documentation is enforced: every environment setting Kiosco reads is in README.md,
and every app has a CONTEXT.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r"env_(?:str|bool|int|list|choice)\(\s*\"([A-Z][A-Z0-9_]+)\"")
APPS = ["newsroom", "readers", "leases", "subscriptions", "lib"]


def settings_read_from_environment() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "kiosco").rglob("*.py"):
        names.update(ENV_READ.findall(source.read_text(encoding="utf-8")))
    return names


def test_every_environment_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in settings_read_from_environment() if name not in readme)
    assert not undocumented, f"document these settings in README.md: {undocumented}"


def test_it_finds_the_settings_it_checks():
    # Guards the check above against a regex that silently matches nothing.
    assert {"DATABASE_URL", "KIOSCO_SECRET_KEY", "KIOSCO_DEBUG"} <= settings_read_from_environment()


def test_every_app_has_a_context_file():
    missing = [app for app in APPS if not (ROOT / "kiosco" / app / "CONTEXT.md").is_file()]
    assert not missing, f"write kiosco/<app>/CONTEXT.md for: {missing}"


def test_the_readme_opens_with_the_two_commands():
    opening = (ROOT / "README.md").read_text(encoding="utf-8")[:1500]
    assert "make run" in opening
    assert "make test" in opening
