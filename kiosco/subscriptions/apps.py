from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "kiosco.subscriptions"
    label = "subscriptions"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kiosco.lib.slots import register_quick_slot
        from kiosco.subscriptions import snapshot
        from kiosco.subscriptions.models import TermsVersion
        from kiosco.subscriptions.services.terms import forget_current_terms

        snapshot.connect()  # changes to seats and plans move readers' snapshots on
        # The new-terms notice shows once per version; most pages have nothing to render.
        register_quick_slot(
            "terms_notice",
            lambda request, context, render: (
                None if getattr(request, "kiosco_new_terms", False) else ""
            ),
        )
        # The middleware caches the current terms id; any change to a version drops it.
        for signal in (post_save, post_delete):
            signal.connect(
                lambda **kwargs: forget_current_terms(),
                sender=TermsVersion,
                weak=False,
                dispatch_uid=f"kiosco-terms-cache-{signal}",
            )
