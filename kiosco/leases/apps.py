from django.apps import AppConfig


class LeasesConfig(AppConfig):
    name = "kiosco.leases"
    label = "leases"
