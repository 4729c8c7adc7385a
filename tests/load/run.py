"""`make load`: a bounded load test on loopback (DESIGN.md §8: 50 concurrent users, p95 within
the page budgets, no error).

    python -m tests.load.run [--users 50] [--duration 3m] [--spawn-rate 10] [--port 8765]

What it does, in order, and undoes on the way out (also on failure or Ctrl-C):

1. a database of its own, made anew: `thidua_load` on the PostgreSQL server of DATABASE_URL
   when that is set (LOAD_DATABASE_URL names another), else var/load/thidua_load.sqlite3;
   never the database of DATABASE_URL itself; migrate, collect the static files, load the demo
   (`seed_demo`), find what the users work on (tests/load/prepare.py) and gather the planner's
   statistics (VACUUM ANALYZE), as autovacuum would on a production server;
2. production settings on plain HTTP on 127.0.0.1: DEBUG off, a fresh secret key, only
   127.0.0.1 allowed, no redirect to HTTPS and cookies without the Secure flag (there is no
   TLS on loopback); media, static files and the worker's heartbeat under var/load/;
3. gunicorn (as docker-compose.yml runs it: 3 workers) and a Celery worker (queues default
   and pdf) on CELERY_BROKER_URL, else Kombu's filesystem transport;
4. locust, headless, against http://127.0.0.1:<port> only (tests/load/locustfile.py);
5. stops the server and the worker, checks that every cell a save confirmed holds the last
   confirmed value (no lost update), prints p50 / p95 / max per request with its budget and
   the errors, and writes var/load/ (locust's CSV and HTML, the logs, summary.md).

Exit status 1 when any request failed, a confirmed value was lost, or a step failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from tests.load import report

BASE_DIR = Path(__file__).resolve().parents[2]
OUT = BASE_DIR / "var" / "load"
LOAD_DATABASE = "thidua_load"
START = "<!-- load:start -->"
END = "<!-- load:end -->"


class Stop(Exception):
    """SIGTERM: leave the way Ctrl-C does, through the clean-up."""


def _on_term(_signum, _frame):
    raise Stop()


def load_database_url() -> str:
    """The load test's own database (see the module's docstring)."""
    import environ

    explicit = os.environ.get("LOAD_DATABASE_URL", "")
    base = os.environ.get("DATABASE_URL", "")
    if explicit:
        if explicit == base:
            raise SystemExit(
                "LOAD_DATABASE_URL phải khác DATABASE_URL: kiểm thử tải tạo lại cơ sở dữ liệu của nó."
            )
        return explicit
    if base.startswith(("postgres://", "postgresql://", "pgsql://")):
        config = environ.Env.db_url_config(base)
        if config["NAME"] == LOAD_DATABASE:
            return base
        head, _, _name = base.partition("?")[0].rpartition("/")
        return f"{head}/{LOAD_DATABASE}"
    return f"sqlite:///{OUT / 'thidua_load.sqlite3'}"


def reset_database(url: str) -> str:
    """Drop and create the load database; returns how to name it in the summary."""
    import environ

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        for suffix in ("", "-wal", "-shm"):
            Path(config["NAME"] + suffix).unlink(missing_ok=True)
        return f"SQLite ({Path(config['NAME']).relative_to(BASE_DIR)})"
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        name = sql.Identifier(config["NAME"])
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    connection.close()
    return f"PostgreSQL {version} (`{config['NAME']}`)"


def analyze_database(url: str) -> None:
    """Statistics for the planner once the demo is loaded, as autovacuum gathers them within a
    minute on a production server (and as it does not when it is switched off, as on some test
    machines): without them PostgreSQL plans the ranking query for tables of one row, and a
    demo bloc's year ranking takes 110 ms instead of 7."""
    import environ

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        import sqlite3

        with sqlite3.connect(config["NAME"]) as connection:
            connection.execute("ANALYZE")
        return
    import psycopg2

    connection = psycopg2.connect(
        dbname=config["NAME"],
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    connection.close()


def settings_env(database_url: str, broker_url: str, targets: Path, writes: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOAD_"))} | {
        "DJANGO_SETTINGS_MODULE": "thidua.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(OUT / "media"),
        "STATIC_ROOT": str(OUT / "static"),
        "WORKER_HEARTBEAT_FILE": str(OUT / "worker-heartbeat"),
        "LOAD_TARGETS": str(targets),
        "LOAD_WRITES": str(writes),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def step(title: str, command: list[str], env: dict[str, str]) -> None:
    print(f"==> {title}", flush=True)
    subprocess.run(command, env=env, cwd=BASE_DIR, check=True)


class Processes:
    """Children in process groups of their own, stopped group by group."""

    def __init__(self):
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        handle = log.open("w", encoding="utf-8")
        process = subprocess.Popen(
            command, env=env, cwd=BASE_DIR, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 20) -> None:
        """SIGTERM to the leader (gunicorn and Celery stop their children gracefully), then
        SIGKILL to whatever is left of its group."""
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.running = [(n, p) for n, p in self.running if p is not process]

    def stop_all(self) -> None:
        for name, process in reversed(list(self.running)):
            print(f"==> dừng {name}", flush=True)
            self.stop(process)


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Máy chủ web dừng khi khởi động (xem {OUT / 'gunicorn.log'}).")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code == 503:  # the worker's heartbeat is not there yet: the web answers
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"Máy chủ web không trả lời {url} sau {seconds:.0f} giây.")


def write_section(path: Path, section: str) -> None:
    block = f"{START}\n{section}{END}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + block + after.removeprefix("\n")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + block
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kiểm thử tải trên 127.0.0.1 (DESIGN.md §8).")
    parser.add_argument("--users", type=int, default=50, help="Số người dùng đồng thời (mặc định 50).")
    parser.add_argument(
        "--spawn-rate", type=float, default=2, help="Số người dùng thêm mỗi giây (mặc định 2)."
    )
    parser.add_argument(
        "--duration", default="3m", help="Thời gian chạy, như locust nhận: 90s, 3m (mặc định 3m)."
    )
    parser.add_argument("--port", type=int, default=8765, help="Cổng của máy chủ web trên 127.0.0.1.")
    parser.add_argument(
        "--web-workers", type=int, default=3, help="Số tiến trình gunicorn (như docker-compose)."
    )
    parser.add_argument("--doc", type=Path, help="Ghi bảng kết quả vào tệp Markdown này (giữa hai dấu load).")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _on_term)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in [*OUT.glob("load_*.csv"), OUT / "access.log", OUT / "summary.md"]:
        old.unlink(missing_ok=True)  # gunicorn appends to its access log
    targets, writes = OUT / "targets.json", OUT / "writes.json"
    writes.unlink(missing_ok=True)
    database_url = load_database_url()
    broker_url = os.environ.get("LOAD_BROKER_URL") or os.environ.get("CELERY_BROKER_URL") or "filesystem://"
    env = settings_env(database_url, broker_url, targets, writes)
    python = sys.executable
    processes = Processes()
    load_before = os.getloadavg()[0]
    try:
        print(f"==> cơ sở dữ liệu riêng của kiểm thử tải: {database_url.rpartition('@')[2]}", flush=True)
        database = reset_database(database_url)
        step("migrate", [python, "manage.py", "migrate", "--noinput", "-v0"], env)
        step("collectstatic", [python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        step("seed_demo", [python, "manage.py", "seed_demo", "--quiet-logins"], env)
        step("chuẩn bị đích", [python, "-m", "tests.load.prepare", "--output", str(targets)], env)
        print("==> thống kê cho bộ tối ưu truy vấn (VACUUM ANALYZE)", flush=True)
        analyze_database(database_url)
        if not broker_url.startswith("filesystem://"):
            step(
                "xóa hàng đợi cũ",
                [python, "-m", "celery", "-A", "thidua", "purge", "-f", "-Q", "default,pdf"],
                env,
            )

        address = f"127.0.0.1:{args.port}"
        web = processes.start(
            "gunicorn",
            [python, "-m", "gunicorn", "thidua.wsgi:application", "--bind", address, "--workers",
             str(args.web_workers), "--timeout", "60", "--access-logfile", str(OUT / "access.log"),
             "--access-logformat", report.ACCESS_LOG_FORMAT],
            env,
            OUT / "gunicorn.log",
        )  # fmt: skip
        processes.start(
            "Celery worker",
            [python, "-m", "celery", "-A", "thidua", "worker", "-Q", "default,pdf", "--concurrency", "2",
             "--without-mingle", "--without-gossip", "--loglevel", "INFO", "--hostname", "load@%h"],
            env,
            OUT / "worker.log",
        )  # fmt: skip
        wait_for(f"http://{address}/healthz/", web)
        print(
            f"==> locust: {args.users} người dùng, {args.duration}, http://{address}/ "
            f"(nhật ký: {(OUT / 'locust.log').relative_to(BASE_DIR)})",
            flush=True,
        )
        load_before = os.getloadavg()[0]
        locust = processes.start(
            "locust",
            [python, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", args.duration,
             "--host", f"http://{address}", "--csv", str(OUT / "load"), "--html", str(OUT / "load.html"),
             "--only-summary", "--stop-timeout", "10"],
            env,
            OUT / "locust.log",
        )  # fmt: skip
        locust.wait()
        load_after = os.getloadavg()[0]
        processes.stop_all()

        lost = subprocess.run(
            [python, "-m", "tests.load.check", "--writes", str(writes), "--targets", str(targets)],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        lost_check = (
            (lost.stdout.strip() or lost.stderr.strip().splitlines()[-1:][0])
            if lost.stdout or lost.stderr
            else ""
        )
        rows, total = report.read_stats(OUT / "load_stats.csv")
        server = report.read_server_times(OUT / "access.log", json.loads(targets.read_text(encoding="utf-8")))
        for row in rows:
            row.server = server.get(row.name)
        failures = report.read_failures(OUT / "load_failures.csv")
        context = {
            "date": f"{date.today():%d/%m/%Y}",
            "users": args.users,
            "duration": args.duration,
            "spawn_rate": f"{args.spawn_rate:g}",
            "web_workers": args.web_workers,
            "database": database,
            "broker": "Redis" if broker_url.startswith("redis") else "Kombu filesystem",
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": load_after,
            "lost_check": lost_check,
        }
        section = report.markdown(rows, total, failures, context)
        (OUT / "summary.md").write_text(section, encoding="utf-8")
        (OUT / "context.json").write_text(json.dumps(context, ensure_ascii=False, indent=2), encoding="utf-8")
        print()
        print(section)
        if args.doc:
            write_section(args.doc, section)
            print(f"Đã ghi vào {args.doc}.")
        failed = (total.failures if total else 1) or lost.returncode != 0 or not rows
        if failed:
            print(
                "KIỂM THỬ TẢI KHÔNG ĐẠT: có yêu cầu lỗi hoặc mất cập nhật (xem var/load/).", file=sys.stderr
            )
        return 1 if failed else 0
    except subprocess.CalledProcessError as error:
        print(f"Bước thất bại: {' '.join(map(str, error.cmd))}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stop):
        print("\nĐã ngắt: dừng các tiến trình đã khởi động.", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()


if __name__ == "__main__":
    sys.exit(main())
