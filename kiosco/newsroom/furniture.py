"""Site furniture: what a copied web page carries after the article's last line.

Newsletter calls to action, subscription and device dialogs, cookie banners, "share
this" and "read more" lines, comment counters, copyright footers — in English or
Spanish, whatever the article's language. Pure Python, no Django.

Three signals are combined, none trusted alone:

- **position**: :func:`strip_furniture` looks only at the END of the text and walks
  backwards; the first line that reads like the article stops it, so a body paragraph
  that merely mentions a newsletter is never reached;
- **phrases and lexicon**: a pattern names a phrase a page says to its reader ("sign up
  for our newsletter", "ya eres suscriptor"); the lexicon holds the topic words of a
  page's own machinery (newsletter, subscription, account, device, password, terms,
  cookies, sign in — both languages);
- **language**: a line whose function words are clearly in the other language than
  the body's is foreign to the article (a Spanish notice under an English interview).

A line of the tail is furniture when a phrase matches, or lexicon words come with a
foreign language, with an icon's alt text glued on, or (two of them) with words
addressed to the reader. Inside the body only image credits and "advertisement" lines
are dropped (:func:`is_inline_furniture`): copy and paste leaves them between paragraphs.

Precision over recall: a missed footer line is a small blemish an editor removes in
the admin, a dropped paragraph is a corrupted article. Everything dropped is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from kiosco.newsroom.language import decisive_language

# A furniture line in the body's language is short; anything longer is prose, whatever
# words it contains. A notice in the other language may run long (terms, sharing rules).
MAX_FURNITURE_WORDS = 45
MAX_FURNITURE_CHARS = 400
MAX_FOREIGN_NOTICE_WORDS = 160
# A short line without final punctuation ("The Morning Brief", "Terms · Privacy", a
# "read more" headline) is dropped only when it sits between furniture lines or after
# them, or right above them when it holds a lexicon word or is in the other language.
MAX_UI_WORDS = 16
MAX_UI_RUN = 8

_PATTERNS = [
    # Newsletter calls to action.
    r"\b(sign up|subscribe|register)\b.{0,40}\bnewsletters?\b",
    r"\bnewsletters?\b.{0,40}\b(sign up|subscribe now|inbox)\b",
    r"\b(straight|delivered|direct(ly)?|right) (in)?to your inbox\b",
    r"\bin your inbox\b",
    r"^(enter )?(your )?e-?mail( address)?:?$",
    r"^(sign up|sign up now|subscribe|subscribe now|register|log in|sign in|join now)[.!]?$",
    r"\b(suscr[ií]bete|suscr[ií]base|ap[úu]ntate|reg[íi]strate)\b.{0,40}\b(bolet[ií]n|newsletter)",
    r"\b(bolet[ií]n|newsletter)\b.{0,40}\b(suscr[ií]b|ap[úu]nt|rec[íi]bel|en tu correo)",
    r"\ben tu (correo|bandeja de entrada|email)\b",
    r"^(tu )?(direcci[óo]n de )?(correo electr[óo]nico|e-?mail):?$",
    r"^(suscr[íi]bete|reg[íi]strate|inicia sesi[óo]n|iniciar sesi[óo]n|ap[úu]ntate)[.!]?$",
    # Subscription and paywall notices.
    r"\balready (a subscriber|subscribed|have an account)\b",
    r"\bsubscribers? only\b|\bexclusive(ly)? (to|for) subscribers\b",
    r"\bthis (article|story|content|piece)\b.{0,40}\bsubscri",
    r"\bsubscribe (now|today|to (continue|keep) reading|to read)\b",
    r"\b(free )?articles? (left|remaining) this month\b",
    r"\byou('ve| have) (read|reached)\b.{0,40}\b(free|limit)\b",
    r"\b(unlimited|full) (digital )?access\b",
    r"\b(support|supporting|fund) (our|independent|quality) journalism\b",
    r"[$€£]\s?\d+([.,]\d+)?\s?(a|per|/) ?(month|week|year)\b",
    r"\d+([.,]\d+)?\s?[$€£]?\s?(al|por|/) ?(mes|semana|año)\b.{0,30}\b(suscr|primer)",
    r"\bcancel (at )?any ?time\b",
    r"\bconfirm\w*\b.{0,30}\b(subscription|sign-?up|e-?mail address)\b",
    r"\bconfirmar\b.{0,30}\b(suscripci[óo]n|alta|direcci[óo]n de correo)\b",
    r"\bya (eres|soy) suscriptor",
    r"\b(exclusiv[oa]|reservad[oa]) (para|a) (los |las )?suscriptor",
    r"\bsuscr[ií]bete (ahora|hoy|para|y)\b|\bhazte suscriptor",
    r"\bacceso ilimitado\b",
    r"\bapoya (el|nuestro) periodismo\b",
    r"\bart[íi]culos? gratuitos? (este mes|restantes)\b",
    r"\bhas (le[íi]do|alcanzado)\b.{0,40}\b(gratis|gratuitos?|l[íi]mite)\b",
    r"\bcancela (cuando quieras|en cualquier momento)\b",
    # Cookie notices.
    r"\b(we use|this (web)?site uses|accept( all)?|manage|reject( all)?)\b.{0,20}\bcookies\b",
    r"\bcookie (policy|settings|preferences|consent)\b",
    r"\b(utilizamos|usamos|este sitio (web )?(utiliza|usa)|aceptar( todas las)?|rechazar|"
    r"configurar)\b.{0,20}\bcookies\b",
    r"\bpol[íi]tica de cookies\b",
    r"^(accept|reject|decline)( all)?$|^(aceptar|rechazar)( todas?| todo)?$",
    # Sharing, related links, comments, advertising, footers.
    r"^(share|share this( article| story| page)?|share on \w+|tweet|print|copy link|"
    r"save( article)?)[:.]?$",
    r"^(compartir|compartir en \w+|comparte( este art[íi]culo)?|imprimir|copiar enlace|"
    r"guardar|enviar por correo)[:.]?$",
    r"^(read more|see also|related( articles| stories| coverage)?|more on this( story)?|"
    r"most read|leer m[áa]s|lee (tambi[ée]n|m[áa]s)|ver tambi[ée]n|te puede interesar|"
    r"noticias relacionadas|lo m[áa]s le[íi]do)\b",
    r"^(advertisement|advertising|publicidad|anuncio|sponsored( content)?|"
    r"contenido patrocinado)$",
    r"^(\d+ )?(comments?|comentarios?)( \(\d+\))?$",
    # Counters: "1.2K shares", "345 likes", "12 compartidos".
    r"^[\d.,]+\s?[km]?\s(shares?|likes?|reactions?|compartid[oa]s|veces compartido|me gusta|"
    r"reacciones)$",
    r"^(leave|add|show) (a |the )?comments?\b|^(deja|a[ñn]ade|ver) (un |los )?comentarios?\b",
    r"^(follow us|s[íi]guenos)\b",
    r"^(©|\(c\)|copyright\b)|\ball rights reserved\b|\btodos los derechos reservados\b",
]
# Reported speech is the mark of an article, never of a page's furniture: a paragraph
# that quotes "sign up for our newsletter" and says who said it stays in the body.
_REPORTING = re.compile(
    r"\b(said|says|told|according to|dijo|dice|explic[óo]|seg[úu]n|afirm[óo]|se[ñn]al[óo])\b",
    re.IGNORECASE,
)
_FURNITURE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'\u201d\u2019»)\]]*$")
# The words of a page's own machinery, both languages (a line may mix them).
_LEXICON = re.compile(
    r"\b(newsletters?|subscri(be|bed|ber|bers|ption|ptions)|accounts?|devices?|passwords?|"
    r"terms|conditions|cookies?|sign(ed)? (in|up|out)|log(ged)? (in|out)|login|privacy|"
    r"inbox|premium|paywall|unsubscribe|bolet[íi]n|suscri(b|p)\w*|cuentas?|dispositivos?|"
    r"contrase[ñn]as?|t[ée]rminos|condiciones|inici(a|ar) sesi[óo]n|reg[íi]str\w+|"
    r"privacidad|bandeja de entrada)\b",
    re.IGNORECASE,
)
# The page speaks to its reader; an article speaks about people.
_ADDRESSES_READER = re.compile(
    r"\b(you|your|yours|you're|you've|tu|tus|te|usted|ustedes|su suscripci[óo]n|su cuenta)\b"
    r"|[¿¡]",
    re.IGNORECASE,
)
# An icon's alt text glued to the text after it ("arrow-rightContinue reading").
_GLUED_ICON = re.compile(
    r"(?i:icon|icono|arrow|flecha|logo|chevron|close|cerrar)[a-z0-9_-]*(?=[A-ZÁÉÍÓÚÑ¿¡])"
)
# Lines copy and paste leaves between paragraphs: image credits and ad slots.
_INLINE = re.compile(
    r"^((photo|photograph|picture|image|illustration|foto|fotograf[íi]a|imagen|ilustraci[óo]n)"
    r"( by| de)?\s*[:|/·]\s*\S.{0,80}"
    r"|advertisement|advertising|publicidad|anuncio"
    r"|.{0,160}\s[/|]\s*(getty images|reuters|associated press|ap photo|efe|afp|europa press))$",
    re.IGNORECASE,
)
# A sentence glued to the previous one without a space: "…a week.Sign up for …".
_GLUED_SENTENCE = re.compile(
    r"(?:(?<=\w[.!?…])|(?<=\w[.!?…][\"'\u201d\u2019»]))"
    r"(?=[A-ZÁÉÍÓÚÑ¿¡])"
)
# A sentence boundary with a space, used only to split off a foreign notice.
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÁÉÍÓÚÑ¿¡])")


class Tail(Enum):
    BODY = "body"
    FURNITURE = "furniture"
    UI = "ui"


@dataclass(frozen=True)
class Signals:
    """What one line says about itself, before its position is taken into account."""

    words: int
    phrase: bool
    lexicon: int
    foreign: bool
    addresses_reader: bool
    glued_icon: bool
    reported: bool
    punctuated: bool


def signals_of(line: str, body_language: str | None) -> Signals:
    bare = line.strip(" \t*•·|>-\u2013\u2014")
    language = decisive_language(line)
    return Signals(
        words=len(line.split()),
        phrase=bool(_FURNITURE.search(bare)),
        lexicon=len({match.group(0).lower() for match in _LEXICON.finditer(line)}),
        foreign=bool(body_language and language and language != body_language),
        addresses_reader=bool(_ADDRESSES_READER.search(line)),
        glued_icon=bool(_GLUED_ICON.search(line)),
        reported=bool(_REPORTING.search(line)),
        punctuated=bool(_SENTENCE_END.search(line)),
    )


def body_language_of(lines: list[str]) -> str | None:
    """The language of the sentences that carry no sign of furniture (punctuated, no
    phrase, no lexicon word, no glued icon): neither a long notice nor a run of short
    page labels may outvote a short article. None when those sentences do not say."""
    plain = [
        line
        for line in lines
        if line
        and _SENTENCE_END.search(line)
        and not (_FURNITURE.search(line) or _LEXICON.search(line) or _GLUED_ICON.search(line))
    ]
    return decisive_language(" ".join(plain))


def classify_tail_line(
    line: str, *, is_turn: bool = False, body_language: str | None = None
) -> Tail:
    """What one non-empty line at the end of a text is. Turn lines are always body."""
    if is_turn or len(line) > MAX_FURNITURE_CHARS * 4:
        return Tail.BODY
    found = signals_of(line, body_language)
    if found.reported and not found.foreign:
        return Tail.BODY
    if _is_furniture(found, long=len(line) > MAX_FURNITURE_CHARS):
        return Tail.FURNITURE
    if found.words <= MAX_UI_WORDS and not found.punctuated:
        return Tail.UI
    return Tail.BODY


def _is_furniture(found: Signals, *, long: bool) -> bool:
    if found.foreign and found.lexicon >= 1 and found.words <= MAX_FOREIGN_NOTICE_WORDS:
        return True  # a notice in the other language may be long
    if long or found.words > MAX_FURNITURE_WORDS:
        return False
    return (
        found.phrase
        or (found.lexicon >= 1 and found.glued_icon)
        or (found.lexicon >= 2 and found.addresses_reader)
    )


def _is_title_of_notice(line: str, body_language: str | None) -> bool:
    """A short unpunctuated line right above furniture belongs to it when it holds a
    lexicon word or is in the other language ("Lectura en otro dispositivo")."""
    found = signals_of(line, body_language)
    return found.lexicon >= 1 or found.foreign or found.glued_icon


def is_inline_furniture(line: str) -> bool:
    return len(line) <= MAX_FURNITURE_CHARS and bool(_INLINE.match(line))


def strip_furniture(
    lines: list[str], is_turn: Callable[[str], bool], body_language: str | None = None
) -> tuple[list[str], list[str]]:
    """Split ``lines`` into the body and the dropped furniture (its non-empty lines, in
    the order they came). ``body_language`` defaults to :func:`body_language_of`."""
    if body_language is None:
        body_language = body_language_of(lines)
    lines = list(lines)
    start, glued = _furniture_start(lines, is_turn, body_language)
    if not glued:
        start = _take_notice_titles(lines, start, is_turn, body_language)
    dropped = [line for line in lines[start:] if line]
    body, cut = _split_last_line(lines[:start], is_turn, body_language)
    body, inline = _drop_inline(body)
    return body, [*inline, *cut, *dropped]


def _furniture_start(
    lines: list[str], is_turn: Callable[[str], bool], body_language: str | None
) -> tuple[int, bool]:
    """Index of the first furniture line at the end (``len(lines)`` when none), and
    whether it was cut off a body line it was glued to (``lines`` is split in place:
    "…junto al mercado.Recibe nuestro boletín…"); the body ends right above then."""
    start = len(lines)
    ui_run = 0
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line:
            continue
        kind = classify_tail_line(line, is_turn=is_turn(line), body_language=body_language)
        if kind is Tail.BODY:
            break
        if kind is Tail.FURNITURE and (parts := _glued_body_head(line, body_language)):
            lines[index : index + 1] = parts
            return index + 1, True
        if kind is Tail.FURNITURE:
            start, ui_run = index, 0
            continue
        ui_run += 1
        if ui_run > MAX_UI_RUN:
            break
    return start, False


def _take_notice_titles(
    lines: list[str], start: int, is_turn: Callable[[str], bool], body_language: str | None
) -> int:
    for index in range(start - 1, -1, -1):
        line = lines[index]
        if not line:
            continue
        if is_turn(line):
            break
        found = signals_of(line, body_language)
        is_ui = found.words <= MAX_UI_WORDS and not found.punctuated
        if not (is_ui and _is_title_of_notice(line, body_language)):
            break
        start = index
    return start


def _split_last_line(
    lines: list[str], is_turn: Callable[[str], bool], body_language: str | None
) -> tuple[list[str], list[str]]:
    """A call to action glued to the body's last line ("…a week.Sign up for our
    newsletter"), or a notice in the other language after its last sentence, is cut
    off that line. Nothing else is: same-language sentences stay."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), None)
    if last is None:
        return lines, []
    line = lines[last]
    for boundary, needs_foreign in ((_GLUED_SENTENCE, False), (_SENTENCE_BOUNDARY, True)):
        for match in boundary.finditer(line):
            head, rest = line[: match.start()].rstrip(), line[match.end() :]
            if head and _reads_as_furniture(rest, body_language, needs_foreign=needs_foreign):
                return [*lines[:last], head, *lines[last + 1 :]], [rest]
    return lines, []


def _glued_body_head(line: str, body_language: str | None) -> list[str] | None:
    """[head, rest] when a furniture line starts with body text glued to it."""
    for match in _GLUED_SENTENCE.finditer(line):
        head, rest = line[: match.start()].rstrip(), line[match.end() :]
        is_body = classify_tail_line(head, body_language=body_language) is Tail.BODY
        if is_body and _reads_as_furniture(rest, body_language, needs_foreign=False):
            return [head, rest]
    return None


def _reads_as_furniture(text: str, body_language: str | None, *, needs_foreign: bool) -> bool:
    found = signals_of(text, body_language)
    if needs_foreign and not found.foreign:
        return False
    if found.reported and not found.foreign:
        return False
    return _is_furniture(found, long=len(text) > MAX_FURNITURE_CHARS)


def _drop_inline(lines: list[str]) -> tuple[list[str], list[str]]:
    kept = [line for line in lines if not (line and is_inline_furniture(line))]
    return kept, [line for line in lines if line and is_inline_furniture(line)]
