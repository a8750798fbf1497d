"""``{% slot "name" %}``: a part of a page that differs per request (``kiosco/lib/slots.py``).

Rendered normally it renders ``slots/<name>.html`` in place, with the page's context;
rendered as a shell it leaves the slot's marker for ``Shell.fill``."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from kiosco.lib.slots import marker, rendering_shell

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context: Context, name: str) -> SafeString:
    if rendering_shell():
        return mark_safe(marker(name))
    assert context.template is not None
    part = context.template.engine.get_template(f"slots/{name}.html")
    with context.push():
        return mark_safe(part.render(context))
