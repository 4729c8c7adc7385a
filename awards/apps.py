from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Sơ kết, tổng kết và khen thưởng"
