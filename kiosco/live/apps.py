from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "kiosco.live"
    verbose_name = "Live notices"
