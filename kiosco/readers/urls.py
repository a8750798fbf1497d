from django.urls import path

from kiosco.readers import views

app_name = "readers"
urlpatterns = [
    path("", views.account, name="account"),
    path("devices/", views.devices, name="devices"),
    path("devices/sign-out-others/", views.sign_out_others, name="sign_out_others"),
    path("devices/<str:device_id>/sign-out/", views.sign_out_device, name="sign_out_device"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<slug:name>/", views.outbox_message, name="outbox_message"),
]
