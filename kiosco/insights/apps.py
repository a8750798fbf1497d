from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kiosco.insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from kiosco.insights import receivers

        receivers.connect()
