"""A post's HTML body into blocks, as real Ghost and WordPress exports store it:
Gutenberg groups, lists, text between paragraphs, Ghost's card comments, embeds'
scripts, figures with captions, paragraphs as blank lines, control characters."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosco.newsroom.archive_html import html_blocks


def shape(markup: str) -> list[tuple[str, str]]:
    return [(b.kind, b.text or b.image) for b in html_blocks(markup)]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<!-- wp:group --><div class="wp-block-group"><p>First.</p><p>Second.</p></div>',
            [("paragraph", "First."), ("paragraph", "Second.")],
        ),
        (
            "<ul><li>Rent</li><li>Tram fares</li></ul>",
            [("paragraph", "Rent"), ("paragraph", "Tram fares")],
        ),
        (
            "<p>One.</p> Loose text between. <p>Two.</p>",
            [("paragraph", "One."), ("paragraph", "Loose text between."), ("paragraph", "Two.")],
        ),
        (
            "<!--kg-card-begin: html--><p>Kept.</p><!--kg-card-end: html-->",
            [("paragraph", "Kept.")],
        ),
        (
            '<blockquote class="twitter-tweet"><p>A post.</p></blockquote>'
            '<script async src="https://platform.twitter.com/widgets.js"></script>',
            [("quote", "A post.")],
        ),
        (
            "<h2>Budget</h2>\n\nThe council met.\n\nIt voted <em>twice</em>.",
            [
                ("heading", "Budget"),
                ("paragraph", "The council met."),
                ("paragraph", "It voted twice."),
            ],
        ),
        (
            "<blockquote><p>Line one.</p><p>Line two.</p></blockquote>",
            [("quote", "Line one.\n\nLine two.")],
        ),
        ("<p>Up the<br>stairs\x00 we went.</p>", [("paragraph", "Up the stairs we went.")]),
        ("<p>Fish&amp;chips and caf&eacute;s.</p>", [("paragraph", "Fish&chips and cafés.")]),
        (
            '<p><a href="/x"><img src="a.jpg" alt="A"></a> Below it.</p>',
            [("image", "a.jpg"), ("paragraph", "Below it.")],
        ),
        (
            "<style>p {}</style><iframe src='x'></iframe><p>Only this.</p>",
            [("paragraph", "Only this.")],
        ),
    ],
)
def test_it_reads_the_shapes_real_exports_have(markup, expected):
    assert shape(markup) == expected


def test_it_gives_a_figure_caption_to_its_image_not_to_the_text():
    blocks = html_blocks(
        '<figure class="kg-card kg-image-card"><img src="/content/images/p.jpg" alt="Pier">'
        "<figcaption>The pier at <b>dawn</b>. Photo: A. Ruiz</figcaption></figure><p>Text.</p>"
    )
    assert [(b.kind, b.image, b.alt, b.caption, b.text) for b in blocks] == [
        ("image", "/content/images/p.jpg", "Pier", "The pier at dawn. Photo: A. Ruiz", ""),
        ("paragraph", "", "", "", "Text."),
    ]


def test_it_reads_nothing_from_an_empty_or_comment_only_body():
    assert html_blocks("") == html_blocks("  \n") == html_blocks("<!-- nothing -->") == []


# --- No paragraph lost or duplicated, whatever the layout -------------------------------

words = st.sampled_from(
    ["harbour", "river", "mercado", "puerto", "tram", "council", "night", "lluvia", "fish"]
)
paragraphs = st.lists(words, min_size=1, max_size=8).map(lambda w: " ".join(w).capitalize() + ".")


def _each(template: str) -> Callable[[list[str]], str]:
    return lambda texts: "".join(template.format(t) for t in texts)


def _first_word_strong(text: str) -> str:
    first, _, rest = text.partition(" ")
    return f"<p><strong>{first}</strong> {rest}</p>"


LAYOUTS: dict[str, Callable[[list[str]], str]] = {
    "p": _each("<p>{}</p>"),
    "div group": lambda texts: f'<div class="wp-block-group">{_each("<p>{}</p>")(texts)}</div>',
    "list": lambda texts: f"<ul>{_each('<li>{}</li>')(texts)}</ul>",
    "blank lines": "\n\n".join,
    "cards": _each("<!--kg-card-begin: html--><p>{}</p><!--kg-card-end: html-->"),
    "with scripts": _each("<p>{}</p><script>var x = 1;</script>"),
    "inline marks": lambda texts: "".join(_first_word_strong(t) for t in texts),
}


@settings(max_examples=120, deadline=None)
@given(texts=st.lists(paragraphs, min_size=1, max_size=8), layout=st.sampled_from(sorted(LAYOUTS)))
def test_it_never_loses_or_duplicates_a_paragraph_of_any_layout(texts, layout):
    markup = LAYOUTS[layout]([html.escape(t) for t in texts])
    assert [b.text for b in html_blocks(markup)] == [" ".join(t.split()) for t in texts]
