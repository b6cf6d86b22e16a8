"""Benchmark (not a test): Edirae's main pages under load, as a share of a bare view.

    .venv/bin/python benchmarks/pages.py                   # 1,000 then 10,000 learners
    .venv/bin/python benchmarks/pages.py --reuse           # keep databases seeded earlier
    .venv/bin/python benchmarks/pages.py --scales 10000 --duration 20 --clients 8

For each scale it (re)creates a PostgreSQL database `<--database>_<learners>` (default
`edirae_pages_<learners>`; with --reuse it only migrates one seeded earlier), imports the AI
Engineering seed track and seeds, through COPY, what the issue measured at 10,000 learners
(`benchmarks/pages_seed.py`): an active enrollment each, ~22 graded attempts of 10 answers
(217k attempts, 2.2M answers), ~22 flashcard reviews with their card states, mastery
estimates, ticks, notifications and one submission for every other learner (some waiting
for the mentor). The measured learner has the same history plus a conversation of 1,000
messages with the AI mentor and an open attempt; the measured mentor covers the track. The
pages and their sessions are in `benchmarks/pages_probe.py`.

Then it starts gunicorn (2 sync workers), and for each page runs locust headless with a
fixed number of clients for a fixed time: first the baseline, a bare view behind the whole
middleware stack with a logged-in session (`benchmarks/bench_urls.py`), then each page. It
prints rps, p50, p95, the ratio of rps to the baseline's, queries and bytes per page (counted
once through Django's test client), one table per scale. Only ratios from one run mean
something: the machine is shared. The last line is

    pages: worst ratio X.XX (page)

for the largest scale.
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import django_env

ROOT = django_env.ROOT
PYTHON = sys.executable


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000,10000", help="learner counts, comma separated")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--database", default="edirae_pages", help="database name prefix (<prefix>_<learners>)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded earlier")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)  # internal: seed this many
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)  # internal
    parser.add_argument("--reset", action="store_true", help=argparse.SUPPRESS)  # internal
    return parser.parse_args()


def environment(args: argparse.Namespace, database: str) -> dict[str, str]:
    return {
        **os.environ,
        **django_env.postgres(
            args.server,
            database,
            broker=args.redis,
            DJANGO_SETTINGS_MODULE="benchmarks.bench_settings",
            EDIRAE_AI_REQUESTS_PER_HOUR="1000000",
            STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        ),
    }


# --- Driving (the parent process) -----------------------------------------------------------


def database_ready(args: argparse.Namespace, name: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{args.server}/{name}") as conn:
            return bool(
                conn.execute(
                    "SELECT 1 FROM accounts_user WHERE email = 'staff@bench.example'"
                ).fetchone()
            )
    except psycopg.Error:
        return False


def prepare(args: argparse.Namespace, learners: int) -> dict[str, str]:
    name = f"{args.database}_{learners}"
    env = environment(args, name)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    if args.reuse and database_ready(args, name):
        # New migrations (a column with a default) apply to a reused database in seconds.
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PYTHON, __file__, "--reset"], cwd=ROOT, env=env, check=True)
        print(f"reusing {name} (the measured learner reset as seeded)")
        return env
    django_env.recreate_database(args.server, name)
    print(f"seeding {name}: {learners:,} learners")
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    print(f"  migrated in {time.perf_counter() - started:.0f} s")
    subprocess.run([PYTHON, __file__, "--seed", str(learners)], cwd=ROOT, env=env, check=True)
    print(f"  seeded in {time.perf_counter() - started:.0f} s")
    return env


def serve(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "edirae.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def warm(args: argparse.Namespace, target: dict, times: int = 6) -> None:
    """A few requests before measuring, so each worker has loaded its templates and URLs
    (a cold worker's first page can take seconds)."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    cookies = "; ".join(f"{k}={v}" for k, v in target["cookies"].items())
    headers = {"Cookie": cookies, "X-CSRFToken": target["cookies"].get("csrftoken", "")}
    headers["Referer"] = f"http://127.0.0.1:{args.port}/"
    if target["htmx"]:
        headers["HX-Request"] = "true"
    data = urlencode(target["data"]).encode() if target["method"] == "POST" else None

    def one(_: int) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{args.port}{target['path']}", data=data, headers=headers
        )
        urllib.request.urlopen(request, timeout=120).read()

    with ThreadPoolExecutor(max_workers=args.workers * 2) as pool:
        list(pool.map(one, range(times)))


def load(args: argparse.Namespace, target: dict, workdir: Path) -> dict[str, float]:
    warm(args, target)
    prefix = workdir / target["name"].replace(" ", "_").replace("(", "").replace(")", "")
    subprocess.run(
        [
            str(Path(PYTHON).parent / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(args.clients),
            "--spawn-rate",
            str(args.clients),
            "--run-time",
            f"{args.duration}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(prefix),
            "--loglevel",
            "ERROR",
        ],
        env={**os.environ, "BENCH_TARGET": json.dumps(target)},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")

    def number(text: str) -> float:
        return float("nan") if text in ("", "N/A") else float(text)

    return {
        "rps": number(row["Requests/s"]),
        "p50": number(row["50%"]),
        "p95": number(row["95%"]),
        "failures": int(row["Failure Count"]),
        "requests": int(row["Request Count"]),
    }


def measure(args: argparse.Namespace, learners: int) -> list[dict]:
    env = prepare(args, learners)
    probed = subprocess.run(
        [PYTHON, __file__, "--probe"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if probed.returncode:
        raise SystemExit(f"probing the pages failed:\n{probed.stderr[-3000:]}")
    targets = json.loads(probed.stdout)
    server = serve(args, env)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for target in targets:
                figures = load(args, target, Path(workdir))
                rows.append({**target, **figures})
                sys.stderr.write(f"  {target['name']}: {figures['rps']:.1f} rps\n")
    finally:
        server.terminate()  # the master stops its workers (a signal to all is logged as errors)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    baseline = rows[0]["rps"] or 1.0
    for row in rows:
        row["ratio"] = row["rps"] / baseline
    return rows


def table(learners: int, rows: list[dict]) -> None:
    print(f"\n{learners:,} learners ({rows[0]['requests']:,} baseline requests)")
    print(
        f"| {'page':<22} | {'rps':>7} | {'p50 ms':>6} | {'p95 ms':>6} | {'ratio':>6} "
        f"| {'queries':>7} | {'bytes':>7} | {'errors':>6} |"
    )
    print(f"|{'-' * 24}|{'-' * 9}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
    for row in rows:
        print(
            f"| {row['name']:<22} | {row['rps']:>7.1f} | {row['p50']:>6.0f} | {row['p95']:>6.0f} "
            f"| {row['ratio']:>6.3f} | {row['queries']:>7} | {row['bytes']:>7,} "
            f"| {row['failures']:>6} |"
        )


def main() -> None:
    args = parse()
    if args.seed:
        from benchmarks.pages_seed import seed

        seed(args.seed)
        return
    if args.reset:
        from benchmarks.pages_seed import reset_measured_learner

        reset_measured_learner()
        return
    if args.probe:
        from benchmarks.pages_probe import probe

        probe()
        return
    started = time.perf_counter()
    scales = [int(s) for s in args.scales.split(",")]
    results = {learners: measure(args, learners) for learners in scales}
    for learners, rows in results.items():
        table(learners, rows)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    worst = min(results[max(scales)][1:], key=lambda row: row["ratio"])
    print(f"pages: worst ratio {worst['ratio']:.2f} ({worst['name']})")


if __name__ == "__main__":
    main()
