from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kiosco.insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from kiosco.insights import receivers
        from kiosco.insights.snapshot import notice_of
        from kiosco.lib.slots import register_quick_slot

        receivers.connect()
        # Without a notice on the reader's seat (their snapshot says), nothing to render.
        register_quick_slot(
            "sharing_notice",
            lambda request, context, render: None if notice_of(request.user) else "",
        )
