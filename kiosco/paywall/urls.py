from django.urls import path

from kiosco.paywall import views

app_name = "paywall"
urlpatterns = [
    path("continue/", views.continue_here, name="continue"),
    path("heartbeat/", views.heartbeat, name="heartbeat"),
    path("release/", views.release, name="release"),
    path("not-me/", views.not_me, name="not_me"),
    path("not-me/done/", views.not_me_done, name="not_me_done"),
]
