"""Articles for the page, feed and SEO tests, created with the ORM, and a tiny HTML
tree so tests can ask for elements by tag and class instead of matching strings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

from django.utils import timezone

from kiosco.newsroom.models import Access, Article, Author, Block, BlockKind, Section

# The body every test reads: an interview with an intro, the labels as printed.
INTERVIEW_EN = [
    (BlockKind.PARAGRAPH, "", "The lighthouse keeper of Punta Brava talks about forty winters."),
    (BlockKind.QUESTION, "Question.", "How did you come to the lighthouse?"),
    (BlockKind.ANSWER, "Answer.", "By accident: my uncle broke a leg in 1984."),
    (BlockKind.QUESTION, "Q.", "Do you still climb the stairs every night?"),
    (BlockKind.ANSWER, "A.", "Every night, all 212 of them.\n\nMy knees keep the count."),
    (BlockKind.HEADING, "", "The storm of 1999"),
    (BlockKind.QUOTE, "", "The sea does not negotiate."),
    (BlockKind.QUESTION, "Q.", "What changed after the storm?"),
    (BlockKind.ANSWER, "A.", "The lamp went electric and I started sleeping."),
]

INTERVIEW_ES = [
    (BlockKind.PARAGRAPH, "", "La cocinera que abrió un comedor en una estación de tren."),
    (BlockKind.QUESTION, "Pregunta.", "¿Por qué una estación?"),
    (BlockKind.ANSWER, "Respuesta.", "Porque allí todo el mundo tiene hambre y prisa."),
    (BlockKind.QUESTION, "P.", "¿Qué plato no quitaría nunca del menú?"),
    (BlockKind.ANSWER, "R.", "SECRET-ES-ANSWER: las lentejas de los martes."),
]


def add_blocks(article: Article, blocks: Sequence[tuple[str, str, str]]) -> None:
    Block.objects.bulk_create(
        Block(article=article, position=i, kind=kind, label=label, text=text)
        for i, (kind, label, text) in enumerate(blocks)
    )


def make_article(section: Section, slug: str, **fields: object) -> Article:
    defaults: dict[str, object] = {
        "headline": slug.replace("-", " ").capitalize(),
        "standfirst": f"Standfirst of {slug}.",
        "byline": "Marta Quiroga",
        "language": "en",
        "access": Access.FREE,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    defaults.update(fields)
    return Article.objects.create(section=section, slug=slug, **defaults)


@dataclass
class Edition:
    world: Section
    culture: Section
    interview: Article  # English, free
    entrevista: Article  # Spanish, subscribers only
    registered: Article  # English, registered readers
    scheduled: Article  # published in the future
    draft: Article  # never published


def make_edition() -> Edition:
    world = Section.objects.create(slug="world", name="World", position=1)
    culture = Section.objects.create(slug="culture", name="Culture", position=2)
    interview = make_article(
        world,
        "lighthouse-keeper",
        headline="Forty winters at the lighthouse",
        published_at=timezone.now() - timedelta(hours=3),
    )
    interview.authors.add(Author.objects.create(slug="marta", name="Marta Quiroga"))
    add_blocks(interview, INTERVIEW_EN)
    entrevista = make_article(
        culture,
        "cocinera-estacion",
        headline="La cocinera de la estación",
        language="es",
        standfirst="Un comedor entre dos andenes.",
        access=Access.SUBSCRIBERS,
        byline="Lucía Andrade",
        published_at=timezone.now() - timedelta(hours=2),
    )
    add_blocks(entrevista, INTERVIEW_ES)
    registered = make_article(world, "harbour-report", access=Access.REGISTERED)
    add_blocks(
        registered,
        [
            (BlockKind.PARAGRAPH, "", "The harbour opened at dawn."),
            (BlockKind.PARAGRAPH, "", "SECRET-REGISTERED-PARAGRAPH about the cranes."),
        ],
    )
    scheduled = make_article(world, "tomorrow", published_at=timezone.now() + timedelta(days=1))
    add_blocks(scheduled, [(BlockKind.PARAGRAPH, "", "Not yet.")])
    draft = make_article(culture, "draft-piece", published_at=None)
    return Edition(world, culture, interview, entrevista, registered, scheduled, draft)


# --- A tiny HTML tree ------------------------------------------------------------------

VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr", "area", "col", "base"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found: list[Node] = []
        for child in self.elements():
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found.extend(child.find_all(tag, cls))
        return found

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        matches = self.find_all(tag, cls)
        assert matches, f"no <{tag or '*'} class={cls!r}> in the page"
        return matches[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(content: bytes | str) -> Node:
    builder = _TreeBuilder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    return builder.root
