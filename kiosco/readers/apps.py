from django.apps import AppConfig


class ReadersConfig(AppConfig):
    name = "kiosco.readers"
    label = "readers"

    def ready(self) -> None:
        from kiosco.lib.slots import register_quick_slot
        from kiosco.readers import ratelimit, receivers, slots

        receivers.connect()
        ratelimit.install()
        register_quick_slot("account_nav", slots.account_nav)
