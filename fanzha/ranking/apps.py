from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "fanzha.ranking"
    label = "ranking"
    verbose_name = "国家反诈APP注册与警格排名"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from fanzha.ranking.models import AppRegistration

        post_save.connect(_registration_saved, sender=AppRegistration, dispatch_uid="ranking-rollup-save")
        post_delete.connect(
            _registration_deleted, sender=AppRegistration, dispatch_uid="ranking-rollup-delete"
        )


def _registration_saved(sender: object, created: bool = False, **kwargs: object) -> None:
    # New rows are found by id; only a change to a row already counted needs a rebuild.
    if not created:
        from fanzha.ranking.services.rollup import mark_dirty

        mark_dirty()


def _registration_deleted(sender: object, **kwargs: object) -> None:
    from fanzha.ranking.services.rollup import mark_dirty

    mark_dirty()
