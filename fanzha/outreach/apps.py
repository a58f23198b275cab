from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "fanzha.outreach"
    label = "outreach"
    verbose_name = "反诈宣传"
