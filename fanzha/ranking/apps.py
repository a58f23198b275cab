from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "fanzha.ranking"
    label = "ranking"
    verbose_name = "国家反诈APP注册与警格排名"
