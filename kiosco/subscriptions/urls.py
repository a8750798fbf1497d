from django.urls import URLPattern, URLResolver

app_name = "subscriptions"
urlpatterns: list[URLPattern | URLResolver] = []
