from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self):
        from reviews import permissions  # noqa: F401 - registers the rules
