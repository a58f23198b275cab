from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fanzha.analytics"
    label = "analytics"
    verbose_name = "案情分析"

    def ready(self) -> None:
        from fanzha.analytics import signals  # noqa: F401  (connects the receivers)
