"""Mounted at the site root: /plans/, /subscription/, /org/, /invitations/, /terms/,
/billing/."""

from django.urls import path

from kiosco.subscriptions import org_views, views, webhooks

app_name = "subscriptions"
urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/<slug:code>/subscribe/", views.subscribe, name="subscribe"),
    path("subscription/", views.my_subscription, name="mine"),
    path("subscription/invite/", views.invite, name="invite"),
    path("subscription/seats/<int:seat_id>/revoke/", views.revoke_seat, name="revoke_seat"),
    path(
        "subscription/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("subscription/plan/", views.change_plan, name="change_plan"),
    path("subscription/plan/<slug:code>/", views.confirm_plan_change, name="confirm_plan"),
    path("subscription/upgrade/", views.upgrade, name="upgrade"),
    path("subscription/cancel/", views.cancel, name="cancel"),
    path("subscription/cancel/confirm/", views.confirm_cancel, name="confirm_cancel"),
    path("subscription/leave/", views.leave, name="leave"),
    path("invitations/<str:key>/", views.invitation, name="invitation"),
    path("terms/", views.terms_current, name="terms"),
    path("terms/accept/", views.terms_accept, name="terms_accept"),
    path("terms/<str:version>/", views.terms_version, name="terms_version"),
    path("org/<slug:slug>/", org_views.dashboard, name="org"),
    path("org/<slug:slug>/seats/", org_views.change_seats, name="org_seats"),
    path("org/<slug:slug>/invite/", org_views.invite, name="org_invite"),
    path(
        "org/<slug:slug>/members/<int:seat_id>/remove/", org_views.remove_member, name="org_remove"
    ),
    path(
        "org/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        org_views.revoke_invitation,
        name="org_revoke_invitation",
    ),
    path("org/<slug:slug>/domain/", org_views.domain, name="org_domain"),
    path("org/<slug:slug>/join/", org_views.join, name="org_join"),
    path("billing/webhook/", webhooks.generic_webhook, name="billing_webhook"),
    path("billing/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
