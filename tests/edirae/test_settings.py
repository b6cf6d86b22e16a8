"""Settings come from the environment; bad values stop the process with a clear message."""

import pytest

from edirae.env import ConfigurationError, env_bool, env_int, env_url
from tests.edirae.processes import PRODUCTION, run_manage


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://root@localhost/edirae"),
        ("CELERY_BROKER_URL", "http://127.0.0.1:6379"),
        ("EMAIL_PORT", "twenty-five"),
        ("SECRET_KEY", "short"),
        ("TRUSTED_PROXY_COUNT", "one"),
    ],
)
def test_a_bad_variable_stops_start_up_naming_it(variable, value):
    result = run_manage("check", env={**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert f"ConfigurationError: {variable}" in result.stderr


def test_production_requires_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_mail_would_only_be_printed():
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_HOST"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "edirae.W001" in result.stderr
    assert "EMAIL_HOST is not set" in result.stderr


def test_embedded_mode_needs_no_variables(tmp_path):
    result = run_manage("check", env={"EDIRAE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "celery" / "queue").is_dir()  # the filesystem broker's folder


def test_env_helpers_accept_good_values():
    environ = {"A": "true", "B": "42", "C": "redis://h:6379/0"}
    assert env_bool("A", False, environ=environ) is True
    assert env_int("B", 0, environ=environ) == 42
    assert env_url("C", None, schemes={"redis"}, environ=environ) == "redis://h:6379/0"
    assert env_int("MISSING", 7, environ=environ) == 7


def test_env_int_refuses_a_value_below_its_minimum():
    with pytest.raises(ConfigurationError, match="EMAIL_PORT=0 is below the minimum of 1"):
        env_int("EMAIL_PORT", 25, minimum=1, environ={"EMAIL_PORT": "0"})
