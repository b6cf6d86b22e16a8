"""`{% cache %}` fragments are kept in each process in front of the shared cache
(`edirae.cache.KeptFragmentCache`): a fragment rendered by one process serves the others,
and a process reads each one from the shared cache at most once."""

from django.core.cache import cache, caches
from django.template import Context, Template


def render(text: str) -> str:
    return Template("{% load cache %}{% cache 60 block key %}" + text + "{% endcache %}").render(
        Context({"key": "a-digest-of-what-it-shows"})
    )


def test_a_fragment_rendered_here_is_written_to_the_shared_cache_too():
    fragments = caches["template_fragments"]
    fragments.clear()
    cache.clear()
    assert render("first") == "first"
    assert render("second") == "first"  # the same key: the kept rendering
    fragments.clear()  # another process: nothing kept in its memory...
    assert render("third") == "first"  # ...it reads the one the first process wrote


def test_a_fragment_read_from_the_shared_cache_is_kept_without_a_second_read():
    fragments = caches["template_fragments"]
    fragments.clear()
    cache.clear()
    fragments.set("fragment", "<p>kept</p>")
    fragments.clear()  # as in another process
    assert fragments.get("fragment") == "<p>kept</p>"  # from the shared cache
    cache.clear()
    assert fragments.get("fragment") == "<p>kept</p>"  # now from this process's memory
    assert fragments.get("never-rendered") is None


def test_a_fragment_another_release_rendered_is_not_served(monkeypatch):
    from edirae import cache as edirae_cache

    fragments = caches["template_fragments"]
    fragments.clear()
    cache.clear()
    assert render("before the release") == "before the release"
    fragments.clear()  # a new release starts new processes...
    monkeypatch.setattr(edirae_cache, "_rendering_digest", lambda: "another-release")
    assert render("after the release") == "after the release"  # ...and its own renderings
