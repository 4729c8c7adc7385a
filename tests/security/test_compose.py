"""docker-compose.yml is the production recipe, and these machines cannot run Docker: keep it
true to what CI exercises by reading it beside the files CI uses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
COMPOSE = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
SETTINGS = (BASE_DIR / "thidua" / "settings.py").read_text(encoding="utf-8")


def service(name: str) -> str:
    """The text of one service block of the compose file."""
    match = re.search(rf"^  {name}:\n((?:    .*\n|\n)+)", COMPOSE, flags=re.M)
    assert match, f"no service {name} in docker-compose.yml"
    return match.group(1)


def command(name: str) -> list[str]:
    match = re.search(r"command: (\[.*?\])", service(name), flags=re.S)
    assert match, f"service {name} has no command"
    return [part.strip().strip('"') for part in match.group(1).strip("[]").replace("\n", " ").split('",')]


def settings_variables() -> set[str]:
    return set(re.findall(r'env(?:\.[a-z]+)?\(\s*"([A-Z_]+)"', SETTINGS))


def test_every_variable_compose_and_the_example_env_set_is_read_by_the_settings():
    compose = set(re.findall(r"^ {4,6}([A-Z_]+):", COMPOSE, flags=re.M))
    example = set(
        re.findall(r"^([A-Z_]+)=", (BASE_DIR / ".env.example").read_text(encoding="utf-8"), flags=re.M)
    )
    database_image = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}
    assert {"DJANGO_DEBUG", "DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT"} <= compose
    assert (compose | example) - database_image <= settings_variables()


def test_web_runs_the_images_command_and_the_worker_the_queues_make_run_uses():
    dockerfile_cmd = re.search(r"^CMD (\[.*\])", (BASE_DIR / "Dockerfile").read_text(), flags=re.M).group(1)
    assert command("web") == [part.strip().strip('"') for part in dockerfile_cmd.strip("[]").split('",')]
    worker = " ".join(command("worker"))
    make_run = (BASE_DIR / "tools" / "run.sh").read_text()
    for part in ("-A thidua worker", "-Q default,pdf", "--without-mingle", "--without-gossip"):
        assert part in worker and part in make_run


def test_the_stack_refuses_to_start_on_settings_that_fail_the_ci_deployment_check():
    script = command("migrate")[-1]
    assert shlex.split(script)[:5] == ["python", "manage.py", "check", "--deploy", "--fail-level"]
    assert script.index("check --deploy --fail-level WARNING") < script.index("migrate --noinput")
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "manage.py check --deploy --fail-level WARNING" in makefile
    assert "make check-deploy" in (BASE_DIR / ".ci" / "run").read_text()


def test_a_beat_service_exists_exactly_when_a_periodic_task_does():
    has_schedule = bool(getattr(settings, "CELERY_BEAT_SCHEDULE", None))
    has_beat = bool(re.search(r"^  beat:", COMPOSE, flags=re.M))
    assert has_schedule == has_beat
