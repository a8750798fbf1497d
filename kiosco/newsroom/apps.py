from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "kiosco.newsroom"
    label = "newsroom"

    def ready(self) -> None:
        from kiosco.lib.slots import register_quick_slot
        from kiosco.newsroom import credits, search, slots
        from kiosco.newsroom.cache import connect_signals

        connect_signals()
        search.connect_signals()
        register_quick_slot("panel", slots.article_panel)
        credits.connect_signals()
