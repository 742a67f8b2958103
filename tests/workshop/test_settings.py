import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from workshop.env import env_bool, env_choice, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "a1B2c3D4e5" * 6


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("YES", True), ("off", False), ("0", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)

    assert env_bool("FLAG", not expected) is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False)


def test_env_int_rejects_words_and_out_of_range(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT='twenty-five' is not a whole number"):
        env_int("EMAIL_PORT", 25)

    monkeypatch.setenv("EMAIL_PORT", "70000")
    with pytest.raises(ImproperlyConfigured, match="above the maximum of 65535"):
        env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)


def test_env_url_rejects_a_wrong_scheme(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must start with one of"):
        env_url("DATABASE_URL", schemes={"postgres", "sqlite"})


def test_env_defaults_apply_to_unset_and_empty_variables(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "")
    monkeypatch.delenv("EMAIL_DELIVERY", raising=False)

    assert env_list("ALLOWED_HOSTS", ["localhost"]) == ["localhost"]
    assert env_choice("EMAIL_DELIVERY", "console", choices=["smtp", "console"]) == "console"
    assert env_list("X_UNSET", []) == []


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "calm.example, www.calm.example,")

    assert env_list("ALLOWED_HOSTS", []) == ["calm.example", "www.calm.example"]


def test_env_choice_rejects_unknown_values(monkeypatch):
    monkeypatch.setenv("S3_ADDRESSING_STYLE", "ftp")

    with pytest.raises(ImproperlyConfigured, match="S3_ADDRESSING_STYLE='ftp' is not one of auto, path, virtual"):
        env_choice("S3_ADDRESSING_STYLE", "auto", choices=["auto", "path", "virtual"])


def run_manage(*args, **env):
    """manage.py in a clean process with only the given variables (production settings)."""
    base = {key: os.environ[key] for key in ("PATH", "HOME", "DATABASE_URL", "REDIS_URL") if key in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "workshop.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="calm.example",
        VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = run_manage("check", DEBUG="0", VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_refuse_a_weak_secret_key_when_debug_is_off(tmp_path):
    result = run_manage("check", DEBUG="0", SECRET_KEY="short", VAR_DIR=str(tmp_path))

    assert "SECRET_KEY is too weak" in result.stderr


def test_settings_refuse_a_bad_debug_value(tmp_path):
    result = run_manage("check", DEBUG="yes please", VAR_DIR=str(tmp_path))

    assert "DEBUG='yes please' is not a boolean" in result.stderr


def test_passwords_are_hashed_with_argon2_in_production():
    from workshop import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def upload_storage(**env):
    """STORAGES["default"] as workshop.settings builds it from `env`, read in a clean process."""
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "workshop.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_uploads_go_to_a_local_folder_without_a_bucket_and_to_private_s3_with_one(tmp_path):
    local = upload_storage(VAR_DIR=str(tmp_path))
    s3 = upload_storage(VAR_DIR=str(tmp_path), S3_BUCKET="calm-uploads", S3_ENDPOINT_URL="https://s3.example.org")

    assert local == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == ("calm-uploads", "https://s3.example.org")
    assert (options["signature_version"], options["default_acl"], options["querystring_auth"]) == ("s3v4", None, True)


def test_every_page_sends_a_content_security_policy_without_unsafe_inline(client, db):
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_settings_create_a_new_var_dir_for_the_sqlite_database(tmp_path):
    var_dir = tmp_path / "new" / "dir"

    result = run_manage("migrate", "--noinput", DEBUG="1", VAR_DIR=str(var_dir), DATABASE_URL="")

    assert result.returncode == 0, result.stderr
    assert (var_dir / "db.sqlite3").is_file()


def make_run_dry(*args, **env):
    """The commands `make run` would run, printed by `make -n`, with only the given variables set."""
    result = subprocess.run(
        ["make", "-n", "run", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_sets_the_site_url_from_the_port_unless_given():
    commands = make_run_dry("PORT=8801")

    django_commands = [line for line in commands.splitlines() if "manage.py" in line]
    assert len(django_commands) == 4  # migrate, seed_demo, the banner's settings and runserver
    assert all("SITE_URL=${SITE_URL:-http://127.0.0.1:8801} " in line for line in django_commands)


def test_make_run_banner_names_the_folder_emails_are_written_to(tmp_path):
    var_dir = tmp_path / "elsewhere"
    lines = make_run_dry().splitlines()
    echo = next(i for i, line in enumerate(lines) if line.startswith("echo "))
    banner = "\n".join(lines[echo:-1])  # up to runserver, the last command

    printed = subprocess.run(
        ["sh", "-c", banner],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert printed.stdout.endswith(f"calm-demo; emails land in {var_dir}/mail/\n"), printed.stderr
