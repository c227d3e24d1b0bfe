from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Models and an outbox subscriber that exist only under test settings."""

    name = "tests.testapp"
    label = "testapp"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401
