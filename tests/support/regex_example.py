"""The simplest string a URL pattern's regular expression matches, so a test can walk
every route of the URLconf without a sample value per route.

Hand-written over the standard library's regex parser: Hypothesis's ``from_regex``
does this too, but shrinking an example per pattern took a minute for the URLconf."""

from __future__ import annotations

import re
import re._constants as c
import re._parser as parser
from typing import Any

_CATEGORY_SAMPLES = {c.CATEGORY_DIGIT: "0", c.CATEGORY_WORD: "a", c.CATEGORY_SPACE: " "}


def simplest_match(pattern: str) -> str:
    text = _generate(parser.parse(pattern))
    assert re.fullmatch(pattern, text) or re.match(pattern, text), (pattern, text)
    return text


def _generate(items: Any) -> str:
    return "".join(_one(op, arg) for op, arg in items)


def _one(op: Any, arg: Any) -> str:
    if op is c.LITERAL:
        return chr(arg)
    if op is c.NOT_LITERAL:
        return "a" if chr(arg) != "a" else "b"
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return ""
    if op is c.ANY:
        return "a"
    if op is c.IN:
        return _in(arg)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, item = arg
        return _generate(item) * max(low, 1)
    if op is c.SUBPATTERN:
        return _generate(arg[-1])
    if op is c.BRANCH:
        return _generate(arg[1][0])
    raise ValueError(f"no sample for regex op {op}")


def _in(items: Any) -> str:
    if items and items[0][0] is c.NEGATE:
        excluded = {chr(arg) for op, arg in items[1:] if op is c.LITERAL}
        return next(ch for ch in "a0-_" if ch not in excluded)
    op, arg = items[0]
    if op is c.LITERAL:
        return chr(arg)
    if op is c.RANGE:
        return chr(arg[0])
    if op is c.CATEGORY:
        return _CATEGORY_SAMPLES.get(arg, "a")
    raise ValueError(f"no sample for character set {items}")
