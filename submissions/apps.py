from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"

    def ready(self):
        from submissions import selectors  # noqa: F401 - hands the conflict rule to the outbox
