from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "workshop"
    verbose_name = "Workshops"

    def ready(self):
        from workshop import permissions  # noqa: F401 - registers the rules
