"""Site furniture: what a copied web page carries after the article's last line.

Newsletter calls to action, subscription and paywall notices, cookie banners,
"share this" and "read more" lines, copyright footers — in English or Spanish,
whatever the article's language. :func:`strip_furniture` looks only at the END of
the text and walks backwards, so a body paragraph that merely mentions a newsletter
or cookies is never touched: it stops at the first line that reads like the article.

Precision over recall. A pattern here names a phrase a page says to its reader
("sign up for our newsletter", "ya eres suscriptor"), not a topic word
("newsletter", "cookies"); a missed footer line is a small blemish an editor removes
in the admin, a dropped paragraph is a corrupted article. Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

# A furniture line is short; anything longer is prose, whatever words it contains.
MAX_FURNITURE_WORDS = 45
MAX_FURNITURE_CHARS = 400
# A short line without final punctuation ("The Morning Brief", "Terms · Privacy") is
# dropped only when it sits between furniture lines or after them, never on its own.
MAX_UI_WORDS = 10
MAX_UI_RUN = 4

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


class Tail(Enum):
    BODY = "body"
    FURNITURE = "furniture"
    UI = "ui"


def classify_tail_line(line: str, *, is_turn: bool = False) -> Tail:
    """What one non-empty line at the end of a text is. Turn lines are always body."""
    words = len(line.split())
    if is_turn or words > MAX_FURNITURE_WORDS or len(line) > MAX_FURNITURE_CHARS:
        return Tail.BODY
    if _REPORTING.search(line):
        return Tail.BODY
    if _FURNITURE.search(line.strip(" \t*•·|>-\u2013\u2014")):
        return Tail.FURNITURE
    if words <= MAX_UI_WORDS and not _SENTENCE_END.search(line):
        return Tail.UI
    return Tail.BODY


def strip_furniture(
    lines: list[str], is_turn: Callable[[str], bool]
) -> tuple[list[str], list[str]]:
    """Split ``lines`` into the body and the dropped furniture (its non-empty lines)."""
    start = _furniture_start(lines, is_turn)
    dropped = [line for line in lines[start:] if line]
    return lines[:start], dropped


def _furniture_start(lines: list[str], is_turn: Callable[[str], bool]) -> int:
    """Index of the first furniture line at the end (``len(lines)`` when none). The
    furniture starts at a line that matches a pattern; short unpunctuated lines after
    it go with it, short lines before it stay with the body."""
    start = len(lines)
    ui_run = 0
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if not line:
            continue
        kind = classify_tail_line(line, is_turn=is_turn(line))
        if kind is Tail.BODY:
            break
        if kind is Tail.FURNITURE:
            start, ui_run = index, 0
            continue
        ui_run += 1
        if ui_run > MAX_UI_RUN:
            break
    return start
