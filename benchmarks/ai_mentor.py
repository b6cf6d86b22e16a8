"""Benchmark (not a test): the AI mentor's answers on the evaluation set.

    .venv/bin/python benchmarks/ai_mentor.py                 # the local (offline) backend
    .venv/bin/python benchmarks/ai_mentor.py --reuse         # keep the database of a last run
    .venv/bin/python benchmarks/ai_mentor.py -v              # every question, answer, misses
    EDIRAE_AI_BACKEND=openai EDIRAE_LLM_BASE_URL=http://127.0.0.1:11434/v1 \\
        EDIRAE_LLM_MODEL=llama3.1:8b .venv/bin/python benchmarks/ai_mentor.py

It (re)creates the database `edirae_ai_bench` on the PostgreSQL server (or reuses it),
imports the seed track files (tracks/content/*.yaml) and asks each question of
benchmarks/ai_mentor_eval.yaml through `ai_mentor.services.ask`, as a learner of the
question's phase. It prints, per track and overall:

- recall@3: the share of questions for which one of the passages a good answer rests on is
  among the three retrieved (questions inside the track only);
- key points: the share of the key points (each a set of accepted phrasings) found in the
  answers, and the share of answers with all of theirs;
- mid-sentence: the share of answers with a paragraph that ends mid-sentence (must be 0);
- refusals: the share of out-of-scope questions answered with "does not cover" / "found
  nothing" (and no invented answer).

The last line is exactly `ai mentor: key points X % (local)` (or `(openai)`). With the
OpenAI-compatible backend configured by the usual environment variables, the same set runs
against the model; a fallback to the local backend is counted and shown.
"""

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import django_env

ROOT = django_env.ROOT
EVAL_SET = ROOT / "benchmarks" / "ai_mentor_eval.yaml"
REFUSAL = re.compile(r"does not cover|found nothing|does not mention", re.IGNORECASE)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="edirae_ai_bench")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--eval", default=str(EVAL_SET), help="the evaluation set (YAML)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--labels", action="store_true", help="list every passage and stop")
    return parser.parse_args()


def setup(server: str, name: str, reuse: bool) -> None:
    if not (reuse and django_env.database_exists(server, name)):
        django_env.recreate_database(server, name)
    django_env.setup(django_env.postgres(server, name))
    from django.conf import settings
    from django.core.management import call_command

    from tracks.trackfile import import_track_files

    # The rate limit is the product's; the benchmark asks many questions in a row.
    settings.EDIRAE_AI_REQUESTS_PER_HOUR = 1_000_000
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("migrate", verbosity=0)
    # A published track asking for approved evidence needs someone to review it.
    from accounts.models import User
    from mentors.services import make_fallback_reviewer

    make_fallback_reviewer(user=User.objects.create(email="reviewer@bench.example", is_staff=True))
    import_track_files(sorted((ROOT / "tracks" / "content").glob("*.yaml")))


def load_eval(path: str) -> dict:
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def matches(label: str, expected: str) -> bool:
    """A passage label matches exactly, or by prefix when the expected one ends with "…"."""
    return label.startswith(expected[:-1]) if expected.endswith("…") else label == expected


def has_point(text: str, point: str | list[str]) -> bool:
    """A key point is a phrase, or a list of accepted phrasings; case and spacing ignored."""
    flat = " ".join(text.lower().split())
    options = point if isinstance(point, list) else [point]
    return any(" ".join(option.lower().split()) in flat for option in options)


MARKUP = re.compile(r"\*\*[^*]+\*\*:?\s*")


def ends_mid_sentence(text: str) -> bool:
    """Whether a paragraph of the answer ends without a sentence's closing punctuation
    (labels in bold and list markers aside)."""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        for line in paragraph.splitlines():
            line = MARKUP.sub("", line.strip()).lstrip("-* ").strip()
            if line and not re.search(r"[.!?:)\"\u201d\u2019]$", line):
                return True
    return False


def main() -> None:
    args = parse()
    setup(args.server, args.database, args.reuse)
    from django.conf import settings

    from accounts.models import User
    from ai_mentor import retrieval, services
    from ai_mentor.models import MentorMessage
    from tracks.models import Phase, Track

    if args.labels:
        for track in Track.objects.order_by("slug"):
            for passage in retrieval.passages_for_track(track):
                print(f"{track.slug}\t{passage.label}")
        return
    data = load_eval(args.eval)
    backend = settings.EDIRAE_AI_BACKEND
    learner, _ = User.objects.get_or_create(email="ai-bench@bench.example")
    tracks = {t.slug: t for t in Track.objects.all()}
    phases = {(p.track.slug, p.order): p for p in Phase.objects.select_related("track")}
    totals = {"questions": 0, "recall": 0, "points": 0, "found": 0, "complete": 0, "mid": 0}
    per_track: dict[str, dict] = {}
    fallbacks = 0
    started = time.monotonic()
    for item in data["questions"]:
        track = tracks[item["track"]]
        phase = phases.get((track.slug, item.get("phase", 1))) or track.phases.first()
        found = retrieval.search(track=track, query=item["question"], phase=phase, k=3)
        labels = [p.label for p in found.passages]
        recalled = any(matches(label, e) for label in labels for e in item["passages"])
        message = services.ask(learner=learner, phase=phase, question=item["question"])
        fallbacks += message.backend != backend
        points = item["key_points"]
        got = [has_point(message.text, point) for point in points]
        mid = ends_mid_sentence(message.text)
        stats = per_track.setdefault(track.slug, dict.fromkeys(totals, 0))
        for bucket in (totals, stats):
            bucket["questions"] += 1
            bucket["recall"] += recalled
            bucket["points"] += len(points)
            bucket["found"] += sum(got)
            bucket["complete"] += all(got)
            bucket["mid"] += mid
        if args.verbose or not (all(got) and recalled) or mid:
            print(f"\n[{track.slug} p{phase.order}] {item['question']}")
            print(f"  retrieved: {labels}{'' if recalled else '   <-- MISS'}")
            missing = [p for p, ok in zip(points, got, strict=True) if not ok]
            if missing:
                print(f"  missing points: {missing}")
            if mid:
                print("  MID-SENTENCE")
            if args.verbose:
                print("  " + message.text.replace("\n", "\n  "))
    refused = invented = 0
    for item in data["out_of_scope"]:
        track = tracks[item["track"]]
        phase = phases.get((track.slug, item.get("phase", 1))) or track.phases.first()
        message = services.ask(learner=learner, phase=phase, question=item["question"])
        ok = bool(REFUSAL.search(message.text.split("\n\n")[0]))
        refused += ok
        invented += not ok
        if args.verbose or not ok:
            verdict = "refused" if ok else "ANSWERED"
            print(f"\n[out of scope, {track.slug}] {item['question']}: {verdict}")
            print("  " + message.text.replace("\n", "\n  "))
    elapsed = time.monotonic() - started
    MentorMessage.objects.filter(conversation__learner=learner).delete()

    def line(name: str, s: dict) -> str:
        n = max(1, s["questions"])
        return (
            f"{name:<22} {s['questions']:>3} questions · recall@3 {100 * s['recall'] / n:5.1f} % · "
            f"key points {100 * s['found'] / max(1, s['points']):5.1f} % "
            f"(all of them in {100 * s['complete'] / n:5.1f} %) · "
            f"mid-sentence {100 * s['mid'] / n:4.1f} %"
        )

    print()
    for slug, stats in sorted(per_track.items()):
        print(line(slug, stats))
    print(line("all tracks", totals))
    n_out = max(1, len(data["out_of_scope"]))
    print(
        f"out of scope: {refused}/{len(data['out_of_scope'])} refused "
        f"({100 * refused / n_out:.0f} %), {invented} answered anyway"
    )
    if fallbacks:
        print(f"{fallbacks} answers came from the local backend after a failure of {backend}")
    per_question = 1000 * elapsed / max(1, totals["questions"] + len(data["out_of_scope"]))
    print(f"{per_question:.0f} ms per question ({backend})")
    share = 100 * totals["found"] / max(1, totals["points"])
    print(f"ai mentor: key points {share:.0f} % ({backend})")


if __name__ == "__main__":
    main()
