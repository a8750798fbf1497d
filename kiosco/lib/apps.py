from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "kiosco.lib"
    label = "kiosco_lib"
    verbose_name = "Kiosco shared helpers"
