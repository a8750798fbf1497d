"""The plans the demo edition ships (data only; the admin edits the rows). Used by the
data migration ``0002_default_plans`` and by :func:`ensure_default_plans`."""

from __future__ import annotations

from typing import Any

PLANS: list[dict[str, Any]] = [
    {
        "code": "digital",
        "name": "Digital",
        "name_es": "Digital",
        "seats": 1,
        "price_label": "€9.99 a month",
        "price_label_es": "9,99 € al mes",
        "position": 1,
        "features": [
            {
                "en": "Every article, on the web and in the app",
                "es": "Todos los artículos, en la web y en la app",
            },
            {
                "en": "One reader, one device at a time",
                "es": "Una persona, un dispositivo a la vez",
            },
            {"en": "The weekly newsletter", "es": "El boletín semanal"},
        ],
    },
    {
        "code": "premium",
        "name": "Premium",
        "name_es": "Premium",
        "seats": 2,
        "price_label": "€14.99 a month",
        "price_label_es": "14,99 € al mes",
        "position": 2,
        "features": [
            {"en": "Everything in Digital", "es": "Todo lo de Digital"},
            {
                "en": "Add one more person, who signs in with their own email",
                "es": "Añade a otra persona, que entra con su propio correo",
            },
            {"en": "Two people reading at the same time", "es": "Dos personas leyendo a la vez"},
        ],
    },
    {
        "code": "business",
        "name": "Business",
        "name_es": "Empresas",
        "seats": 5,
        "seats_chosen_by_buyer": True,
        "for_organisations": True,
        "price_label": "€8 per seat a month",
        "price_label_es": "8 € por puesto al mes",
        "position": 3,
        "features": [
            {
                "en": "As many seats as your organisation needs",
                "es": "Tantos puestos como necesite tu organización",
            },
            {
                "en": "Invite colleagues, or let your email domain join",
                "es": "Invita a colegas o deja entrar a tu dominio de correo",
            },
            {
                "en": "Admins see and manage seat usage",
                "es": "La administración ve y gestiona los puestos",
            },
        ],
    },
]


def ensure_default_plans() -> None:
    """Create any missing default plan (tests that flush tables, fresh demo)."""
    from kiosco.subscriptions.models import Plan

    for fields in PLANS:
        values = dict(fields)
        Plan.objects.get_or_create(code=values.pop("code"), defaults=values)
