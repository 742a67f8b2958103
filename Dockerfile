# syntax=docker/dockerfile:1
# The production image. The same image serves the site with gunicorn (the default command) and
# runs the Celery worker and beat (docker-compose.yml overrides the command for those).
FROM python:3.11-slim

# PYTHONPATH=/app: the processes import the source tree copied below, not the copy that
# `pip install .` puts in site-packages. The settings find templates/ and the apps' static files
# next to the packages (BASE_DIR), and the wheel carries only the Python modules.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    MEDIA_ROOT=/data/media

# An unprivileged user. It can write only to MEDIA_ROOT and its home folder (gunicorn puts its
# control socket there). Docker copies the folder's owner into a new named volume mounted on it.
RUN useradd --create-home --user-group --uid 1000 app \
    && mkdir -p /data/media \
    && chown app:app /data/media

WORKDIR /app
COPY pyproject.toml README.md manage.py ./
COPY workshop ./workshop
COPY submissions ./submissions
COPY reviews ./reviews
COPY templates ./templates

# No dev extra: pytest, Playwright and ruff stay out of the image. The s3 extra (boto3 and
# django-storages) is in, so that S3_BUCKET alone switches uploads to S3-compatible storage.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install '.[s3]' \
    && rm -rf build ./*.egg-info

# Collect the static files into the image (var/static, served by WhiteNoise). With DEBUG off the
# settings refuse to load without a strong SECRET_KEY. The key below is used only by this step
# and is not present when a container runs.
RUN DEBUG=0 SECRET_KEY=build-only-key-for-collectstatic-never-used-at-runtime-0123456789abcdef \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000

# Three processes of four threads each. The access log goes to stdout. The heartbeat files are
# kept in memory (/dev/shm) so that a slow overlay filesystem cannot make a worker look hung.
CMD ["gunicorn", "workshop.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--threads", "4", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]
