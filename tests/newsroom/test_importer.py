"""The importer: plain text in, headline, standfirst, typed blocks and dropped
furniture out. Fixtures under fixtures/ were written for these tests."""

from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosco.newsroom import importer
from kiosco.newsroom.importer import UnreadableText, decode_text, parse_article
from kiosco.newsroom.models import Article, Block, BlockKind, Section
from kiosco.newsroom.services import import_article

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def turns(text: str) -> list[tuple[str, str, str]]:
    return [(b.kind, b.label, b.text) for b in parse_article(text).turns]


# --- Interviews with furniture in the other language ---------------------------------


def test_it_reads_an_english_interview_turn_by_turn():
    assert turns(fixture("interview_en_furniture_es.txt")) == [
        ("question", "Question.", "When did you first climb the tower?"),
        (
            "answer",
            "Answer.",
            "At nineteen, on a calm evening in May. I remember counting "
            "the steps, one hundred and twelve, and thinking that I would never get used to them.",
        ),
        ("question", "Q.", "Did you?"),
        (
            "answer",
            "A.",
            "After a month I could climb them in the dark with a thermos in each hand.",
        ),
        ("question", "Q.", "What did a normal night look like?"),
        (
            "answer",
            "A.",
            "Checking the lamp, winding the clockwork every four hours, writing the "
            "weather in the logbook.",
        ),
        ("question", "Q:", "Were there nights that were not normal?"),
        (
            "answer",
            "A:",
            "The storm of 1987, when a wave broke the window of the lamp room and "
            "the light went out for eleven minutes.",
        ),
        ("question", "Q.", "What did you do?"),
        (
            "answer",
            "A.",
            "I relit it with a paraffin lamp and a mirror. The logbook says eleven "
            "minutes. It felt like a week.",
        ),
    ]


def test_it_drops_spanish_furniture_from_an_english_interview():
    parsed = parse_article(fixture("interview_en_furniture_es.txt"))
    assert parsed.language == "en"
    assert parsed.dropped == (
        "Recibe nuestra newsletter cada mañana en tu correo",
        "Tu correo electrónico",
        "Suscríbete",
        "Este contenido es exclusivo para suscriptores. ¿Ya eres suscriptor? Inicia sesión",
        "Utilizamos cookies propias y de terceros. Aceptar todas las cookies",
        "Compartir",
    )
    body = " ".join(block.text for block in parsed.blocks)
    for word in ("Suscr", "cookies", "correo", "Compartir", "newsletter"):
        assert word not in body


def test_it_keeps_an_unlabelled_paragraph_inside_the_answer_it_continues():
    blocks = parse_article(fixture("interview_en_furniture_es.txt")).blocks
    index = [b.text for b in blocks].index("It was quiet work, and I liked the quiet.")
    assert (blocks[index].kind, blocks[index].label) == ("answer", "")
    assert blocks[0].kind == "paragraph"  # the introduction before the first question


def test_it_reads_a_spanish_interview_turn_by_turn():
    assert turns(fixture("entrevista_es_furniture_en.txt")) == [
        ("question", "Pregunta.", "¿A qué hora empieza su día?"),
        (
            "answer",
            "Respuesta.",
            "A las tres de la mañana. Enciendo el horno, preparo la masa "
            "madre y pongo la radio bajita.",
        ),
        ("question", "P.", "¿Nunca se ha acostumbrado?"),
        ("answer", "R.", "Al horario sí. Al frío de enero, nunca."),
        ("question", "P.", "¿Qué pan vende más?"),
        ("answer", "R.", "La barra de siempre, aunque cada vez más gente pide centeno."),
        ("question", "P:", "¿Piensa en jubilarse?"),
        (
            "answer",
            "R:",
            "Cuando mi sobrina aprenda a hacer la masa sin mirarme. Le quedan dos inviernos.",
        ),
        ("question", "P.", "¿Qué le diría a quien empieza?"),
        ("answer", "R.", "Que el pan no espera, y que hay que dormir la siesta."),
    ]


def test_it_drops_english_furniture_from_a_spanish_interview():
    parsed = parse_article(fixture("entrevista_es_furniture_en.txt"))
    assert parsed.language == "es"
    assert parsed.headline == 'Una panadera que se levanta a las tres: "El pan no espera"'
    assert parsed.standfirst.startswith("Teresa Bou lleva treinta años")
    assert parsed.byline == "Autora de Prueba"
    assert parsed.dropped == (
        "Sign up for our newsletter and get the best local stories straight to your inbox.",
        "Enter your email address",
        "Subscribe to continue reading. Already a subscriber? Log in",
        "We use cookies to improve your experience. Accept all cookies",
        "Share this article",
        "Read more",
    )
    assert parsed.blocks[-1].text == "Que el pan no espera, y que hay que dormir la siesta."


def test_it_keeps_a_last_paragraph_that_only_mentions_newsletters_and_cookies():
    parsed = parse_article(fixture("precision_en.txt"))
    assert parsed.dropped == ()
    assert len(parsed.blocks) == 4
    assert parsed.blocks[-1].text.endswith("quoting its own leaflet.")


def test_it_keeps_short_lines_before_the_furniture_in_the_body():
    parsed = parse_article("Title\nStandfirst.\n\nBody.\n— Ana Ruiz, Vallmar\nSubscribe now\n")
    assert [b.text for b in parsed.blocks] == ["Body.", "— Ana Ruiz, Vallmar"]
    assert parsed.dropped == ("Subscribe now",)


# --- Header, paragraphs, headings, language ------------------------------------------


def test_it_takes_a_byline_before_or_after_the_standfirst():
    before = parse_article("Head\nBy Ana Ruiz and Tom Hale\nThe standfirst.\n\nBody.")
    after = parse_article("Head\nThe standfirst.\nPor Lucía Ferrer\nCuerpo del texto.")
    assert (before.byline, before.standfirst) == ("Ana Ruiz and Tom Hale", "The standfirst.")
    assert (after.byline, after.standfirst) == ("Lucía Ferrer", "The standfirst.")


def test_it_does_not_take_a_sentence_starting_with_by_for_a_byline():
    parsed = parse_article("Head\nBy the end of the year, the port will be quieter.\n\nBody.")
    assert parsed.byline == ""
    assert parsed.standfirst.startswith("By the end")


def test_it_reads_wire_copy_with_one_paragraph_per_line():
    parsed = parse_article("Head\nStand.\nOne.\nTwo, and\nthree.\nFour.")
    assert [b.text for b in parsed.blocks] == ["One.", "Two, and three.", "Four."]


def test_it_joins_hard_wrapped_paragraphs():
    paragraph = "The council met on Tuesday and decided, after a long debate, " * 3 + "to wait."
    text = "Head\n\nStand.\n\n" + textwrap.fill(paragraph.strip(), 60) + "\n\nShort one.\n"
    assert [b.text for b in parse_article(text).blocks] == [paragraph.strip(), "Short one."]


def test_it_marks_short_unpunctuated_lines_as_headings_and_quotes():
    parsed = parse_article("Head\nStand.\n\nFirst.\n\nWhat changes\n\nSecond.\n\n> Quoted.\n\nEnd.")
    kinds = [(b.kind, b.text) for b in parsed.blocks]
    assert kinds == [
        ("paragraph", "First."),
        ("heading", "What changes"),
        ("paragraph", "Second."),
        ("quote", "Quoted."),
        ("paragraph", "End."),
    ]


def test_it_leaves_a_stray_initial_alone_in_an_ordinary_article():
    parsed = parse_article("Head\nStand.\n\nA. Smith won the race.\n\nIt was close.")
    assert [(b.kind, b.label) for b in parsed.blocks] == [("paragraph", ""), ("paragraph", "")]
    assert parsed.blocks[0].text == "A. Smith won the race."


def test_it_detects_the_language_from_the_body():
    assert parse_article("Título\nEntradilla.\n\nEl agua del río es de todos.").language == "es"
    assert parse_article("Title\nStand.\n\nThe water of the river is ours.").language == "en"


def test_it_spells_block_kinds_like_the_model():
    # The importer makes every kind but images, which come from an archive or the admin.
    assert set(importer.KINDS) == set(BlockKind.values) - {"image"}


# --- Unreadable input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\n\t\n", "empty"),
        (b"Head\x00line\n", "binary"),
        (b"Caf\xe9 con leche\n", "not UTF-8"),
        (b"x" * (importer.MAX_BYTES + 1), "too large"),
    ],
)
def test_it_refuses_unreadable_input_with_a_clear_message(data, message):
    with pytest.raises(UnreadableText, match=message):
        decode_text(data)


def test_it_refuses_a_text_of_more_lines_than_one_article_has():
    text = "Headline\n" + "Line.\n" * importer.MAX_LINES
    with pytest.raises(UnreadableText, match="at most 20,000"):
        parse_article(text)


def test_it_reads_utf8_with_a_byte_order_mark():
    assert parse_article(decode_text("\ufeffHead\nStand.\nBody.".encode())).headline == "Head"


# --- Properties -----------------------------------------------------------------------

# An article is written in one language: the vocabularies keep the topic words a page's
# furniture also uses (newsletter, cookies, subscribers, account, device), so the
# properties hold the detector to never dropping a paragraph that merely mentions them.
ENGLISH_WORDS = [
    "city", "river", "harbour", "council", "night", "bus", "water", "light", "tower",
    "newsletter", "cookies", "subscribers", "email", "account", "device", "terms",
    "the", "of", "and", "was", "green", "market", "year", "Vallmar",
]  # fmt: skip
SPANISH_WORDS = [
    "agua", "puerto", "noche", "luz", "boletín", "suscriptores", "correo", "cuenta",
    "dispositivo", "cookies", "el", "de", "y", "fue", "verde", "mercado", "año", "Vallmar",
    "ciudad", "río", "consejo", "torre",
]  # fmt: skip
QUESTION_LABELS = ["Question.", "Q.", "Pregunta.", "P.", "Q:", "P:"]
ANSWER_LABELS = ["Answer.", "A.", "Respuesta.", "R.", "A:", "R:"]
FURNITURE = [
    "Sign up for our newsletter",
    "Get the week's best stories delivered to your inbox.",
    "Subscribe now",
    "Already a subscriber? Log in",
    "This article is exclusive to subscribers.",
    "We use cookies to improve your experience.",
    "Accept all",
    "Share this article",
    "Read more",
    "Suscríbete a nuestro boletín",
    "¿Ya eres suscriptor? Inicia sesión",
    "Este contenido es exclusivo para suscriptores.",
    "Utilizamos cookies propias y de terceros.",
    "Compartir",
    "© 2026 The Kiosco Courier. All rights reserved.",
]
# Short lines without final punctuation: dropped when they sit inside the furniture.
PAGE_BITS = ["The Harbour Letter", "Terms · Privacy", "Enter your email", "Newsletter"]
# Share and comment counters.
COUNTERS = ["34 comments", "1.2K shares", "Comentarios (12)", "345 likes", "12 compartidos"]
# A "read more" list: its title, then other articles' headlines.
READ_MORE = ["Read more", "Lee también", "Most read"]
OTHER_HEADLINES = [
    "The council votes on the tram budget",
    "Night buses return to the old town",
    "El mercado abre de noche",
]
# Lines copy and paste leaves between paragraphs, dropped wherever they are.
CREDITS = ["Photo: Ana Ruiz / Reuters", "Foto: EFE", "Image: Getty Images", "Publicidad"]


@dataclass(frozen=True)
class Item:
    kind: str  # paragraph, heading, question, answer
    text: str
    label: str = ""
    own_line: bool = False

    def render(self) -> str:
        if not self.label:
            return self.text
        return f"{self.label}{chr(10) if self.own_line else ' '}{self.text}"


def sentence(
    max_words: int = 25, commas: bool = True, vocabulary: list[str] = ENGLISH_WORDS
) -> st.SearchStrategy[str]:
    words = st.lists(st.sampled_from(vocabulary), min_size=1, max_size=max_words)
    ends = st.sampled_from([".", "!", "?", "…", '."', ".»"])
    joints = st.sampled_from([" ", ", "] if commas else [" "])

    def build(parts: list[str], end: str, joint: str) -> str:
        text = joint.join(parts)
        return text[0].upper() + text[1:] + end

    return st.builds(build, words, ends, joints)


def headings(vocabulary: list[str] = ENGLISH_WORDS) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(vocabulary), min_size=1, max_size=4).map(
        lambda words: " ".join(words).capitalize()
    )


@st.composite
def turn_pair(draw: st.DrawFn, text: st.SearchStrategy[str]) -> list[Item]:
    return [
        Item("question", draw(text), draw(st.sampled_from(QUESTION_LABELS)), draw(st.booleans())),
        Item("answer", draw(text), draw(st.sampled_from(ANSWER_LABELS)), draw(st.booleans())),
    ]


@st.composite
def bodies(
    draw: st.DrawFn,
    text: st.SearchStrategy[str] | None = None,
    vocabulary: list[str] = ENGLISH_WORDS,
) -> list[Item]:
    text = sentence(vocabulary=vocabulary) if text is None else text
    pieces = st.one_of(
        text.map(lambda t: [Item("paragraph", t)]),
        headings(vocabulary).map(lambda t: [Item("heading", t)]),
        turn_pair(text),
    )
    items = [item for piece in draw(st.lists(pieces, min_size=1, max_size=8)) for item in piece]
    if items[-1].kind == "heading":
        items.append(Item("paragraph", draw(text)))
    return items


@st.composite
def furniture(draw: st.DrawFn) -> list[str]:
    if not draw(st.booleans()):
        return []
    first = draw(st.sampled_from(FURNITURE + COUNTERS))
    rest = draw(st.lists(st.sampled_from(FURNITURE + PAGE_BITS + COUNTERS), max_size=4))
    if draw(st.booleans()):
        headlines = st.lists(st.sampled_from(OTHER_HEADLINES), min_size=1, max_size=3)
        rest += [draw(st.sampled_from(READ_MORE)), *draw(headlines)]
    return [first, *rest]


# Long runs of blank lines too (a copied page's empty widgets).
separators = st.sampled_from(
    ["\n", "\n\n", "\n\n\n", " \n\t\n", "\r\n", "\r\n\r\n", "\n" * 7, "\n \n\n  \n\n\n"]
)


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, list[Item], list[str]]:
    vocabulary = draw(st.sampled_from([ENGLISH_WORDS, SPANISH_WORDS]))
    items = draw(bodies(vocabulary=vocabulary))
    tail = draw(furniture())
    text = "Headline " + draw(st.sampled_from(vocabulary)) + "\n"
    text += draw(sentence(vocabulary=vocabulary)) + "\n\n"
    credits = []
    for item in items:
        text += item.render() + draw(st.sampled_from(["", "  "])) + draw(separators)
        if item is not items[-1] and draw(st.integers(0, 5)) == 0:
            credits.append(draw(st.sampled_from(CREDITS)))
            text += credits[-1] + draw(separators)
    for line in tail:
        text += line + draw(separators)
    return text, items, credits + tail


# Notices of a page in one language, dropped under an article in the other: the long
# dialog sentences pass the length any same-language furniture line may have.
FOREIGN_NOTICES = {
    "en": [
        "Reading on another device",
        "arrow-rightContinue reading here",
        "Your subscription is being used on another device right now, and this edition can "
        "be read on one device at a time, so if you continue here the reading on the other "
        "device will stop and that device will see this same message straight away.",
        "To share your subscription, move to Premium and add another user, who signs in "
        "with their own email and keeps their own preferences.",
        "Don't know who is using your account? Change your password",
        "Terms and conditions of the digital subscription",
    ],
    "es": [
        "Lectura en otro dispositivo",
        "iconoFlechaSiga leyendo aquí",
        "Su suscripción se está usando ahora mismo en otro dispositivo y esta edición solo "
        "se puede leer en un dispositivo a la vez; si continúa aquí, la lectura en el otro "
        "dispositivo se detendrá y ese dispositivo verá este mismo mensaje.",
        "Para compartir su suscripción, pase a Premium y añada otro usuario, que iniciará "
        "sesión con su propio correo y conservará sus preferencias.",
        "¿No sabe quién usa su cuenta? Cambie su contraseña",
        "Términos y condiciones de la suscripción digital",
    ],
}
# A standfirst is written in the article's language: what the body's language is told by
# when the body itself is a few generated words.
STANDFIRSTS = {
    "en": "The council said that the market will open again in the spring, with the old stalls.",
    "es": "El consejo dijo que el mercado abrirá de nuevo en la primavera, con sus puestos.",
}
GLUED_CALLS = [
    "Sign up for our newsletter and get it in your inbox",
    "Suscríbase a nuestro boletín",
]


@st.composite
def articles_with_foreign_notices(draw: st.DrawFn) -> tuple[str, list[Item], list[str]]:
    """An article in one language, maybe a call to action glued to its last line, then
    a dialog in the other language right under it (no blank line)."""
    language = draw(st.sampled_from(["en", "es"]))
    vocabulary = ENGLISH_WORDS if language == "en" else SPANISH_WORDS
    items = draw(bodies(vocabulary=vocabulary))
    other = "es" if language == "en" else "en"
    notice = draw(st.lists(st.sampled_from(FOREIGN_NOTICES[other]), min_size=1, unique=True))
    glued = draw(st.sampled_from(["", *GLUED_CALLS]))
    text = f"Headline {draw(st.sampled_from(vocabulary))}\n{STANDFIRSTS[language]}\n\n"
    text += "".join(item.render() + draw(separators) for item in items[:-1])
    text += items[-1].render() + glued + "\n" + "\n".join(notice) + draw(separators)
    return text, items, [*([glued] if glued else []), *notice]


def assert_body_is(parsed: importer.ParsedArticle, items: list[Item]) -> None:
    assert [b.text for b in parsed.blocks] == [item.text for item in items]
    assert [b.label for b in parsed.blocks] == [item.label for item in items]
    for block, item in zip(parsed.blocks, items, strict=True):
        if item.label:
            assert block.kind == item.kind


@settings(max_examples=150, deadline=None)
@given(articles())
def test_it_never_loses_or_duplicates_a_body_paragraph(article):
    text, items, tail = article
    parsed = parse_article(text)
    assert_body_is(parsed, items)
    assert list(parsed.dropped) == tail


@settings(max_examples=60, deadline=None)
@given(bodies(text=sentence(max_words=40, commas=False)), st.integers(50, 90))
def test_it_never_loses_a_paragraph_of_hard_wrapped_text(items, width):
    # Long enough to wrap at least once before a lower-case word: the mark of wrapping.
    standfirst = "The standfirst tells of the river and the harbour and the market " * 3 + "too."
    lines = ["Headline", textwrap.fill(standfirst, width)]
    lines += [textwrap.fill(item.render(), width) for item in items]
    parsed = parse_article("\n\n".join(lines) + "\n")
    assert parsed.standfirst == " ".join(standfirst.split())
    assert_body_is(parsed, items)


@settings(max_examples=150, deadline=None)
@given(articles_with_foreign_notices())
def test_it_drops_a_notice_in_the_other_language_and_loses_no_paragraph(article):
    text, items, tail = article
    parsed = parse_article(text)
    assert_body_is(parsed, items)
    assert list(parsed.dropped) == tail


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(articles(), articles_with_foreign_notices()))
def test_it_imports_the_same_text_twice_into_the_same_article(article):
    text = article[0]
    Section.objects.get_or_create(slug="city", defaults={"name": "City"})
    first = import_article(text, section="city")
    again = import_article(text, section="city")
    assert again.article.pk == first.article.pk
    assert (first.created, again.created, again.changed) == (True, False, False)
    stored = list(Block.objects.filter(article=first.article).values_list("kind", "label", "text"))
    assert stored == [(b.kind, b.label, b.text) for b in first.parsed.blocks]
    assert Article.objects.filter(headline=first.parsed.headline).count() == 1
    Article.objects.filter(pk=first.article.pk).delete()  # headlines repeat across examples


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_article_when_two_imports_of_a_new_text_race():
    Section.objects.create(slug="culture", name="Culture")
    text = fixture("entrevista_es_furniture_en.txt")
    start, outcomes = threading.Barrier(2), []

    def racer() -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(import_article(text, section="culture").created)
        finally:
            connection.close()

    racers = [threading.Thread(target=racer) for _ in range(2)]
    for thread in racers:
        thread.start()
    for thread in racers:
        thread.join(timeout=60)
    # The loser of the insert race retried and updated the winner's article.
    assert sorted(outcomes) == [False, True]
    assert Article.objects.count() == 1
    assert Block.objects.count() == len(parse_article(text).blocks)


@pytest.mark.django_db
def test_it_leaves_a_hand_made_article_with_the_same_slug_alone():
    section = Section.objects.create(slug="city", name="City")
    hand_made = Article.objects.create(
        slug="night-market", headline="Night market", section=section
    )
    result = import_article("Night market\nStand.\n\nBody.", section="city")
    assert result.article.slug == "night-market-2"
    hand_made.refresh_from_db()
    assert (hand_made.source_key, hand_made.blocks.count()) == ("", 0)
