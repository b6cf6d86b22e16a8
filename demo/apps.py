from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo loader (`manage.py load_demo`): seed tracks and demo accounts for the
    embedded mode. Outside the domain apps and above them: it may import any of them, and
    none of them imports it."""

    name = "demo"
    verbose_name = "Demo content"
