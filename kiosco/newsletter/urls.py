from django.urls import path

from kiosco.newsletter import views

app_name = "newsletter"
urlpatterns = [
    path("", views.newsletter_page, name="page"),
    path("signup/", views.signup, name="signup"),
    path("confirm/<str:key>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("account/", views.account, name="account"),
    path("webhook/", views.webhook, name="webhook"),
]
