"""The newsletter sign-up at the end of an article, in the real browser on a phone:
the address typed, the opt-in mail through the real SMTP server, its link opened and
its button pressed."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from kiosco.newsletter.models import Subscriber
from kiosco.newsroom.models import Section
from tests.newsroom.page_data import make_article
from tests.support.smtp import links, smtp_server  # noqa: F401 - a fixture here


@pytest.mark.django_db(transaction=True)
def test_a_reader_signs_up_at_the_end_of_an_article_and_confirms(
    live_server,
    phone_page: Page,
    smtp_server,  # noqa: F811 - the fixture imported above
    insecure_cookies,
    settings,
):
    settings.KIOSCO_PUBLIC_URL = live_server.url
    section = Section.objects.create(slug="city", name="Ciudad")
    article = make_article(section, "mercado", headline="El mercado abre de noche", language="es")

    phone_page.goto(live_server.url + article.get_absolute_url())
    block = phone_page.locator("aside.newsletter-signup")
    assert block.get_attribute("lang") == "es"
    block.get_by_label("Su dirección de correo electrónico").fill("lector@example.org")
    block.get_by_role("button", name="Suscribirse").click()
    phone_page.get_by_role("heading", name="Revise su bandeja de entrada").wait_for()

    mail = smtp_server.wait_for(to="lector@example.org")
    link = next(url for url in links(mail) if "/newsletter/confirm/" in url)
    phone_page.goto(live_server.url + urlsplit(link).path)
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING  # opening is not confirming
    phone_page.get_by_role("button", name="Confirmar").click()
    phone_page.get_by_role("heading", name="Suscripción confirmada").wait_for()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED
