from django.urls import path

from kiosco.newsroom import views

app_name = "newsroom"
urlpatterns = [
    path("", views.front_page, name="front"),
    path("<slug:section>/", views.section_page, name="section"),
    path("<slug:section>/<slug:slug>/", views.article_page, name="article"),
]
