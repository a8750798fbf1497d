"""Documentation is enforced: every environment setting Kiosco reads is in README.md,
and every app has a CONTEXT.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r"env_(?:str|bool|int|list|choice)\(\s*\"([A-Z][A-Z0-9_]+)\"")
APPS = ["newsroom", "readers", "leases", "subscriptions", "lib", "newsletter"]


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


def untranslated(po_text: str) -> list[str]:
    """msgids whose Spanish msgstr is empty (the header and obsolete entries aside)."""
    missing = []
    for entry in po_text.split("\n\n"):
        lines = [line for line in entry.splitlines() if not line.startswith("#~")]
        msgid = "".join(_quoted(lines, "msgid"))
        translations = [line for line in lines if line.startswith("msgstr")]
        if msgid and translations and not "".join(_quoted(lines, "msgstr")):
            missing.append(msgid)
    return missing


def _quoted(lines: list[str], key: str) -> list[str]:
    taken, inside = [], False
    for line in lines:
        if line.startswith(key):
            inside = True
            taken.append(line[len(key) :].strip().split(" ", 1)[-1].strip('"'))
        elif inside and line.startswith('"'):
            taken.append(line.strip('"'))
        else:
            inside = inside and not line.startswith("msg")
    return taken


def test_every_interface_string_has_a_spanish_translation():
    catalogues = sorted((ROOT / "kiosco").rglob("locale/es/LC_MESSAGES/django.po"))
    assert len(catalogues) >= 4
    missing = {str(po.relative_to(ROOT)): untranslated(po.read_text()) for po in catalogues}
    assert not {po: ids for po, ids in missing.items() if ids}


def test_every_catalogue_is_compiled():
    for po in (ROOT / "kiosco").rglob("locale/es/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        assert mo.is_file(), f"compile {po} (make messages)"
        assert mo.stat().st_size > 0
