from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "fanzha.stations"
    label = "stations"
    verbose_name = "派出所与警格"
