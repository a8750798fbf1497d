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
            {"en": "Every article of the edition", "es": "Todos los artículos de la edición"},
            {"en": "One reader, one device at a time", "es": "Un lector, un dispositivo a la vez"},
            {"en": "Cancel whenever you like", "es": "Cancele cuando quiera"},
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
                "en": "A second reader, who signs in with their own email",
                "es": "Un segundo lector, que entra con su propio correo",
            },
            {"en": "Both of you reading at the same time", "es": "Los dos leyendo a la vez"},
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
                "es": "Tantos puestos como necesite su organización",
            },
            {
                "en": "Invite colleagues, or let your email domain join",
                "es": "Invite a sus colegas o abra la entrada a su dominio de correo",
            },
            {
                "en": "Administrators see and manage the seats",
                "es": "Quien administra ve y gestiona los puestos",
            },
        ],
    },
]

# The amount behind each price label, per seat and period: the plans page's live
# total for a chosen seat count. Kept apart from PLANS, which migration 0002 reads
# before these columns exist.
PRICES: dict[str, tuple[str, str]] = {
    "digital": ("9.99", "EUR"),
    "premium": ("14.99", "EUR"),
    "business": ("8.00", "EUR"),
}


def ensure_default_plans() -> None:
    """Create any missing default plan (tests that flush tables, fresh demo)."""
    from kiosco.subscriptions.models import Plan

    for fields in PLANS:
        values = dict(fields)
        code = values.pop("code")
        amount, currency = PRICES[code]
        values.update(price_amount=amount, currency=currency)
        Plan.objects.get_or_create(code=code, defaults=values)
