from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "kiosco.lib"
    label = "kiosco_lib"
    verbose_name = "Kiosco shared helpers"

    def ready(self) -> None:
        from kiosco.lib import slots

        slots.register_quick_slot("messages", slots.no_messages)
