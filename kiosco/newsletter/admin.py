"""The editor's side: compose an issue (pick a language, the week's articles fill it),
edit the subject and intro, preview it, send a test, start the send, watch progress."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kiosco.newsletter import issues, ratelimit
from kiosco.newsletter.forms import TestSendForm
from kiosco.newsletter.mail import render_issue
from kiosco.newsletter.models import Consent, Issue, Subscriber, Suppression


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "given_at", "source", "wording_version", "ip_prefix", "user_agent"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "status", "created_at", "confirmed_at"]
    list_filter = ["language", "status"]
    search_fields = ["email"]
    readonly_fields = [
        "email",
        "language",
        "reader",
        "status",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "mailed_at",
    ]
    inlines = [ConsentInline]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email_digest", "reason", "created_at"]
    list_filter = ["reason"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["subject", "language", "status", "progress_bar", "created_at"]
    list_filter = ["language", "status"]
    fields = [
        "language",
        "subject",
        "intro",
        "status",
        "period_start",
        "period_end",
        "article_list",
        "progress_bar",
        "editor_links",
    ]
    readonly_fields = [
        "status",
        "period_start",
        "period_end",
        "article_list",
        "progress_bar",
        "editor_links",
    ]

    def get_fields(self, request: HttpRequest, obj: Issue | None = None) -> Any:
        # A new issue is only a language: the service composes the week's articles.
        return ["language"] if obj is None else self.fields

    def save_model(self, request: HttpRequest, obj: Issue, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        composed = issues.compose_issue(obj.language)
        obj.pk, obj.subject, obj.items = composed.pk, composed.subject, composed.items
        obj.period_start, obj.period_end = composed.period_start, composed.period_end
        obj.created_at, obj._state.adding = composed.created_at, False

    @admin.display(description=_("Articles"))
    def article_list(self, obj: Issue) -> str:
        items = format_html_join("", "<li>{}</li>", ((i["headline"],) for i in obj.items))
        return format_html("<ol>{}</ol>", items)

    @admin.display(description=_("Progress"))
    def progress_bar(self, obj: Issue) -> str:
        counts = issues.progress(obj)
        done = counts["sent"] + counts["skipped"] + counts["failed"]
        return format_html(
            '<progress max="{}" value="{}"></progress> {} / {} ({} {}, {} {}, {} {})',
            counts["total"] or 1,
            done,
            done,
            counts["total"],
            counts["sent"],
            _("sent"),
            counts["failed"],
            _("refused"),
            counts["claimed"],
            _("interrupted or in flight"),
        )

    @admin.display(description=_("Editor"))
    def editor_links(self, obj: Issue) -> str:
        return format_html(
            '<a href="{}" target="_blank">{}</a> · <a href="{}">{}</a>',
            reverse("admin:newsletter_issue_preview", args=[obj.pk]),
            _("Preview"),
            reverse("admin:newsletter_issue_send", args=[obj.pk]),
            _("Test or send"),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview),
                name="newsletter_issue_preview",
            ),
            path(
                "<int:pk>/send/",
                self.admin_site.admin_view(self.send),
                name="newsletter_issue_send",
            ),
        ]
        return own + super().get_urls()

    def preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        issue = get_object_or_404(Issue, pk=pk)
        html = render_issue(issue, "preview")[1]
        response = HttpResponse(html)
        # The email's inline styles are the point of the preview: a sandboxed page
        # with no scripts, styles allowed.
        response["Content-Security-Policy"] = "sandbox; style-src 'unsafe-inline'"
        return response

    def send(self, request: HttpRequest, pk: int) -> HttpResponse:
        issue = get_object_or_404(Issue, pk=pk)
        form = TestSendForm(request.POST or None)
        if request.method == "POST" and "start" in request.POST:
            added = issues.start_sending(issue)
            messages.success(request, _("Sending started: %(n)d recipients.") % {"n": added})
            return HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=[pk]))
        if request.method == "POST" and form.is_valid():
            if not ratelimit.allow(request, "test_send"):
                return render(request, "429.html", status=429)
            issues.send_test(issue, form.cleaned_data["address"])
            messages.success(
                request, _("Test sent to %(a)s.") % {"a": form.cleaned_data["address"]}
            )
        context = {
            **self.admin_site.each_context(request),
            "issue": issue,
            "form": form,
            "progress": issues.progress(issue),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "newsletter/admin_send.html", context)
