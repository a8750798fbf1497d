"""The site's furniture: footer links to terms, privacy and contact on every page, a
favicon, the error pages in the site's frame, and the licence the package declares."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_it_links_terms_privacy_and_contact_from_every_footer(client):
    for path in ("/", "/plans/", "/accounts/login/", "/no-such-page/"):
        page = client.get(path).content.decode()
        footer = page[page.index('class="site-footer"') :]
        assert all(
            link in footer for link in ('href="/terms/', 'href="/privacy/"', 'href="/contact/"')
        )
    assert client.get("/privacy/").status_code == 200
    contact = client.get("/contact/")
    assert contact.status_code == 200


def test_it_serves_a_favicon(client):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    assert client.get("/favicon.ico").status_code == 301


def test_it_answers_a_missing_page_inside_the_site(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and b"Page not found" in response.content
    assert b'class="masthead"' in response.content


def test_it_ships_the_licence_the_package_declares():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text
    assert 'license = "AGPL-3.0-or-later"' in (ROOT / "pyproject.toml").read_text()
