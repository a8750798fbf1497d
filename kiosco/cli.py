"""The ``kiosco`` console script: Django's management commands, spelled with dashes
(``kiosco import-article`` runs the ``import_article`` command)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosco.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as mistake:
        # A setting the operator got wrong (KIOSCO_SECRET_KEY unset, a bad URL): the
        # message names the variable; a traceback would only hide it.
        print(f"kiosco: {mistake}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
