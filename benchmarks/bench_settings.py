"""Settings for benchmarks/pages.py: production settings plus one bare view (the baseline)."""

from edirae.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
