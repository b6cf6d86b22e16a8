"""Authored prose renders as paragraphs and code, escaped; track files keep it verbatim."""

from pathlib import Path

import pytest
import yaml

from tracks.models import Track
from tracks.templatetags.prose import hard_wrapped, paragraphs
from tracks.trackfile import dump_yaml, export_track, import_track_specs, parse_track_file

pytestmark = pytest.mark.usefixtures("fallback_reviewer")

SEEDS = sorted((Path(__file__).resolve().parents[2] / "tracks" / "content").glob("*.yaml"))

STEM = (
    "What does this print?\n"
    "\n"
    "```python\n"
    "def f(xs=[]):\n"
    "    xs.append(1)\n"
    "    return xs\n"
    "print(f(), f())\n"
    "```\n"
    "\n"
    "Think about when `xs=[]` is evaluated & why <defaults> are shared."
)


def test_paragraphs_code_blocks_and_inline_code_render_escaped():
    html = paragraphs(STEM)
    assert html == (
        "<p>What does this print?</p>\n"
        '<pre><code class="language-python">def f(xs=[]):\n'
        "    xs.append(1)\n"
        "    return xs\n"
        "print(f(), f())</code></pre>\n"
        "<p>Think about when <code>xs=[]</code> is evaluated &amp; why &lt;defaults&gt; "
        "are shared.</p>"
    )


def test_wrapped_lines_of_older_files_join_into_one_paragraph():
    assert (
        paragraphs("A long\nsentence.\n\nNext one.") == "<p>A long sentence.</p>\n<p>Next one.</p>"
    )
    assert hard_wrapped("A long\nsentence.") and not hard_wrapped("One line.\n\nAnother.")
    assert not hard_wrapped("Look:\n\n```\nx = 1\ny = 2\n```")


def test_markup_in_code_never_becomes_markup():
    html = paragraphs("```\n<script>alert(1)</script>\n```\n\n`<b>`")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<code>&lt;b&gt;</code>" in html


def unwrap(value: str) -> str:
    """A wrapped text in the prose convention: each paragraph on one line."""
    return "\n\n".join(" ".join(block.split()) for block in value.split("\n\n") if block.strip())


def in_prose_style(data):
    """The seed with every multi-line text unwrapped (what the content helpers write)."""
    if isinstance(data, dict):
        return {key: in_prose_style(value) for key, value in data.items()}
    if isinstance(data, list):
        return [in_prose_style(value) for value in data]
    if isinstance(data, str) and "\n" in data:
        return unwrap(data) + "\n" if "\n\n" in data.strip() else unwrap(data)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_each_seed_in_the_prose_style_round_trips_byte_for_byte(seed):
    data = in_prose_style(yaml.safe_load(seed.read_text()))
    phase = data["phases"][0]
    phase["description"] = phase.get("description", "") + "\n\n" + STEM.split("\n\n", 1)[1]
    long_line = "A paragraph far longer than any wrapping width. " * 6
    phase["summary"] = long_line.strip()
    if phase.get("deck", {}).get("cards"):
        phase["deck"]["cards"][0]["back"] = STEM
    import_track_specs([parse_track_file(dump_yaml(data), name=seed.name)])
    slug = data["track"]["slug"]
    first = export_track(Track.objects.get(slug=slug))
    Track.objects.all().delete()
    import_track_specs([parse_track_file(first, name="exported.yaml")])
    second = export_track(Track.objects.get(slug=slug))
    assert first == second
    assert f"summary: {long_line.strip()}\n" in first  # never wrapped
    assert "description: |" in first and "    ```python\n" in first  # literal block, code kept
    description = yaml.safe_load(first)["phases"][0]["description"]
    assert "```python\ndef f(xs=[]):\n    xs.append(1)\n" in description  # indentation kept
