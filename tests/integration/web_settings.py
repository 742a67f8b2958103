"""The production settings for web processes that integration tests start, with two test-only changes."""

import os

from workshop.settings import *  # noqa: F403

# The test's Celery workers listen on a queue of their own; the web processes must publish to it.
CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_TEST_QUEUE"]
# With DEBUG off, {% static %} needs the manifest that collectstatic writes; the tests never fetch
# static files, so they skip collectstatic and plain static URLs do.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
