from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fanzha.web"
    label = "web"
    verbose_name = "工作台页面"
