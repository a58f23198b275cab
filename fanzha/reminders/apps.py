from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "fanzha.reminders"
    label = "reminders"
    verbose_name = "防骗提醒"
