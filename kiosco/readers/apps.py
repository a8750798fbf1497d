from django.apps import AppConfig


class ReadersConfig(AppConfig):
    name = "kiosco.readers"
    label = "readers"

    def ready(self) -> None:
        from kiosco.readers import ratelimit, receivers

        receivers.connect()
        ratelimit.install()
