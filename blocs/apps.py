from django.apps import AppConfig


class BlocsConfig(AppConfig):
    name = "blocs"
    verbose_name = "Tổ chức: đơn vị, khối/cụm thi đua, người dùng"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (audit of logins: infrastructure, not business rules)
