from django.apps import AppConfig


class PaywallConfig(AppConfig):
    name = "kiosco.paywall"
    verbose_name = "Paywall"
