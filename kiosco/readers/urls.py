from django.urls import URLPattern, URLResolver

app_name = "readers"
urlpatterns: list[URLPattern | URLResolver] = []
