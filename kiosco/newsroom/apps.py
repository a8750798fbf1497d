from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "kiosco.newsroom"
    label = "newsroom"

    def ready(self) -> None:
        from kiosco.newsroom import credits, search
        from kiosco.newsroom.cache import connect_signals

        connect_signals()
        search.connect_signals()
        credits.connect_signals()
