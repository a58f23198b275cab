from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fanzha.analytics"
    label = "analytics"
    verbose_name = "案情分析"
