"""Benchmark (not a test): does sign-up (or password reset) take longer for a new address
than for a registered one? With the production password hasher (PBKDF2), in-process.

    .venv/bin/python benchmarks/signup_timing.py [--repeat 15]

Runs in embedded mode on a throw-away SQLite file and the console mail backend silenced
(no SMTP, so the time is our work, not the network's). For each flow it alternates requests
for a new address and for a registered one, and prints the median of each and their ratio.
The audit measured 0.10 s (registered) against 1.32 s (new) before the fix.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import django_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="edirae-signup-bench-")
    django_env.setup(django_env.embedded(folder, LOG_LEVEL="ERROR"))
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # locmem mail, ALLOWED_HOSTS for the test client
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("migrate", verbosity=0)
    from tests.factories import verified_user

    registered = verified_user("registered@bench.example").email

    def timed(url: str, data: dict) -> float:
        cache.clear()  # the limits would stop a benchmark long before 15 rounds
        client = Client()
        start = time.perf_counter()
        response = client.post(url, data)
        elapsed = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        return elapsed

    password = "a-long-benchmark-password"
    for flow, url, build in (
        (
            "sign-up",
            "/accounts/signup/",
            lambda email: {"email": email, "password1": password, "password2": password},
        ),
        ("password reset", "/accounts/password/reset/", lambda email: {"email": email}),
    ):
        new, known = [], []
        timed(url, build("warm-up@bench.example"))
        for n in range(args.repeat):
            new.append(timed(url, build(f"new-{flow[0]}{n}@bench.example")))
            known.append(timed(url, build(registered)))
        new_median, known_median = statistics.median(new), statistics.median(known)
        print(
            f"{flow}: new address {new_median * 1000:.0f} ms, "
            f"registered {known_median * 1000:.0f} ms (median of {args.repeat}); "
            f"registered/new = {known_median / new_median:.2f}"
        )


if __name__ == "__main__":
    main()
