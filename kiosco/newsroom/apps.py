from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "kiosco.newsroom"
    label = "newsroom"
