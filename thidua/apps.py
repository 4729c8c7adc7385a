from django.apps import AppConfig


class ThiduaConfig(AppConfig):
    name = "thidua"
    verbose_name = "Hệ thống"

    def ready(self) -> None:
        from . import worker  # noqa: F401  (worker heartbeat on Celery's worker_ready signal)
