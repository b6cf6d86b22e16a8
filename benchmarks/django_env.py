"""Django set up for the benchmark scripts: one place for their environment and databases.

Two modes:
- `postgres(server, name)`: a real PostgreSQL database the script (re)creates
  (`recreate_database`), for figures at scale (pages, the reminder sweep, the AI mentor);
- `embedded(folder)`: Edirae's embedded mode (SQLite in `folder`, no broker, no cache
  server), for scripts that must never touch a real database (gaming, sign-up timing).

`environment(...)` gives the variables (for a child process: gunicorn, a seeding process);
`setup(...)` puts them in this process's environment and calls `django.setup()`.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET_KEY = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def postgres(server: str, name: str, *, broker: str = "memory://", **extra: str) -> dict[str, str]:
    """The variables of a benchmark on PostgreSQL database `name` of `server`
    (postgres://user@host:port); `broker` also serves as the cache when it is Redis."""
    env = {
        "DATABASE_URL": f"{server}/{name}",
        "CELERY_BROKER_URL": broker,
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "edirae.settings",
        "PYTHONPATH": str(ROOT),
    }
    if broker.startswith(("redis://", "rediss://")):
        env["CACHE_URL"] = broker
    return {**env, **extra}


def embedded(folder: str, **extra: str) -> dict[str, str]:
    """The variables of Edirae's embedded mode with its files (SQLite, cache) in `folder`."""
    return {
        "EDIRAE_VAR_DIR": folder,
        "DJANGO_SETTINGS_MODULE": "edirae.settings",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


# What selects a real database or broker: left out in embedded mode.
SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST")


def setup(env: dict[str, str]) -> None:
    """Set up Django in this process with `env` (from `postgres` or `embedded`)."""
    if "DATABASE_URL" not in env:
        for name in SERVICES:
            os.environ.pop(name, None)
    os.environ.update(env)
    import django

    django.setup()


def recreate_database(server: str, name: str) -> None:
    """Drop database `name` if it exists and create it empty."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(server: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())
