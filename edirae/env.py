"""Strict readers of environment variables.

Every reader fails at start-up with a message that names the variable and says what was
expected, so a typo in production configuration is found before the first request.
"""

import os
from collections.abc import Mapping
from urllib.parse import urlsplit


class ConfigurationError(Exception):
    """A setting read from the environment has a value we cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, environ=None) -> str | None:
    value = _raw(name, environ)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool, *, environ=None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigurationError(f"{name}={value!r} is not a boolean: use true or false.")


def env_int(name: str, default: int, *, minimum: int | None = None, environ=None) -> int:
    value = _raw(name, environ)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_choice(name: str, default: str, *, choices: set[str], environ=None) -> str:
    """One of `choices`, compared ignoring case, e.g. EDIRAE_AI_BACKEND=local|openai."""
    value = _raw(name, environ)
    if value in (None, ""):
        return default
    if value.lower() not in choices:
        allowed = ", ".join(sorted(choices))
        raise ConfigurationError(f"{name}={value!r} is not one of: {allowed}.")
    return value.lower()


def env_list(name: str, default: list[str], *, environ=None) -> list[str]:
    value = _raw(name, environ)
    if value in (None, ""):
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None, *, schemes: set[str], environ=None) -> str | None:
    """A URL whose scheme is one of `schemes`, e.g. {"redis", "rediss"}."""
    value = _raw(name, environ)
    if value in (None, ""):
        return default
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ConfigurationError(f"{name} must start with one of {allowed}; got {value!r}.")
    return value
