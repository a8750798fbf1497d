from django.apps import AppConfig


class ReadersConfig(AppConfig):
    name = "kiosco.readers"
    label = "readers"
