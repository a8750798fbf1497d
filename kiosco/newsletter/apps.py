from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "kiosco.newsletter"
    label = "newsletter"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from kiosco.newsletter.services import forget_reader
        from kiosco.readers.models import Reader

        # readers sits below us and must not import us: a deleted reader's newsletter
        # data goes through Django's own signal, connected here.
        pre_delete.connect(
            lambda instance, **kwargs: forget_reader(instance),
            sender=Reader,
            weak=False,
            dispatch_uid="kiosco-newsletter-forget-reader",
        )
