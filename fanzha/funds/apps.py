from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "fanzha.funds"
    label = "funds"
    verbose_name = "资金查控（打财断血）"
