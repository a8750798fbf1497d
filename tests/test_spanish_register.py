"""One Spanish register: Kiosco speaks to readers as "usted", as Django's and
allauth's own catalogues do. Read from the compiled catalogues — what readers see —
including the copy that replaces allauth's pages and emails (readers' catalogue)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import kiosco

ROOT = Path(kiosco.__file__).parent
# "Tú" forms with no "usted" reading: pronouns, possessives, second-person verbs in
# -s, and imperatives with a pronoun attached. (A bare imperative such as "elige" is
# also the third person, "usted elige", so it cannot be told apart here.)
TU = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|tuyo|tuya|tuyos|tuyas|puedes|tienes|quieres|sigues"
    r"|debes|estás|eres|has|necesitas|recibes|pasas|vuelves|lees|sabes|ves|vas|haz|pon"
    r"|sal|ten|acéptalas|léelas|ábrelo|inténtalo|invítala|invítalo|pídele|escríbenos"
    r"|cámbiala|cámbialo|compruébalo|hazlo|elígelo|elígela|suscríbete|regístrate|aceptaste"
    r"|entraste|leías|confirmes|quieras|puedas|tengas|elijas|necesites|prefieras|decidas"
    r"|leas|pagues|contrates|uses)\b",
    re.IGNORECASE,
)


def _catalogues() -> list[Path]:
    return sorted(ROOT.glob("**/locale/es/LC_MESSAGES/django.mo"))


class _Catalogue(gettext.GNUTranslations):
    """A compiled catalogue whose messages can be listed: GNUTranslations parses them
    into ``_catalog`` (keys are msgids, or (msgid, n) for plural forms), which typeshed
    leaves undeclared as it is private; no public method lists them."""

    _catalog: dict[str | tuple[str, int], str]


def _spanish_strings(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalogue = _Catalogue(handle)
    return [text for key, text in catalogue._catalog.items() if key and text]


def test_it_finds_the_catalogues_it_checks():
    names = {path.parts[-5] for path in _catalogues()}
    assert {"readers", "subscriptions", "kiosco"} <= names


def test_it_speaks_to_readers_as_usted_everywhere():
    found = [
        f"{path.relative_to(ROOT)}: {text!r}"
        for path in _catalogues()
        for text in _spanish_strings(path)
        if TU.search(text)
    ]
    assert not found, "tú in the Spanish interface:\n" + "\n".join(found)
