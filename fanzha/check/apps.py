from django.apps import AppConfig


class CheckConfig(AppConfig):
    """The resident risk check (/public/check/, POST /api/v1/check): no models of its own."""

    name = "fanzha.check"
    label = "check"
    verbose_name = "群众风险查询"

    def ready(self) -> None:
        from fanzha.check import known

        known.connect_invalidation()
