from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "kiosco.subscriptions"
    label = "subscriptions"
