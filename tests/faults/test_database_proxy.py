"""The database cut off for real (PostgreSQL only): the live server of this test process reaches
PostgreSQL through a TCP proxy that the test controls. Cut the proxy and every page answers the
Vietnamese 503 page; restore it and the same process serves pages again, signed-in visitors
still signed in. No restart in between."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection, connections
from django.test import Client

from blocs.tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="cuts a real PostgreSQL connection"),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

HEADING = "Hệ thống tạm thời không truy cập được cơ sở dữ liệu"


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database. `cut()` closes the port and every forwarded
    connection (a stopped server: connections refused); `hang()` keeps accepting but never
    answers (a host that went silent); `restore()` forwards again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.mode = "forward"
        self.forwarded = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._sockets.append(client)
            if self.mode == "hang":
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.append(upstream)
                self.forwarded += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._acceptor is not None:
            # The port is free only once the accepting thread has left its poll() on it.
            self._acceptor.join(timeout=5)
        self._drop_all()

    def hang(self) -> None:
        self.cut()
        self.mode = "hang"
        self.start()

    def restore(self) -> None:
        self.cut()
        self.mode = "forward"
        self.start()


def fetch(url: str, session: str | None = None) -> tuple[int, str, float]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"} if session else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.monotonic() - started


@pytest.fixture
def proxied_database():
    """Point every new connection of this process (the live server's request threads open
    their own) at a proxy in front of PostgreSQL; put everything back afterwards."""
    # This thread's own connection (the test's data, the flush afterwards) goes straight to
    # PostgreSQL: opened now, before the settings point elsewhere, and closed at the end.
    connection.ensure_connection()
    settings_dict = connections["default"].settings_dict  # shared by every thread's connection
    saved = {key: settings_dict.get(key) for key in ("HOST", "PORT")}
    saved_options = dict(settings_dict.get("OPTIONS", {}))
    proxy = TcpProxy((saved["HOST"] or "127.0.0.1", int(saved["PORT"] or 5432))).start()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    settings_dict.setdefault("OPTIONS", {})["connect_timeout"] = 2
    try:
        yield proxy
    finally:
        proxy.restore()
        settings_dict.update(saved)
        settings_dict["OPTIONS"] = saved_options
        proxy.cut()
        connection.close()


def test_pages_answer_503_while_the_database_is_cut_off_and_recover_without_restart(
    live_server, proxied_database
):
    proxy = proxied_database
    user = UserFactory(username="thuky.k2", full_name="Nguyễn Thị Lan")
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    home, login, health = (f"{live_server.url}{path}" for path in ("/", "/dang-nhap/", "/healthz/"))

    status, body, _ = fetch(home, session)
    assert status == 200 and "Nguyễn Thị Lan" in body
    assert proxy.forwarded > 0  # the live server really went through the proxy

    proxy.cut()  # the database server stops: connections refused
    for url in (home, login):
        status, body, elapsed = fetch(url, session)
        assert status == 503, body[:500]
        assert HEADING in body and "Hãy thử lại sau ít phút" in body
        assert "Traceback" not in body and "OperationalError" not in body
        assert elapsed < 5
    status, body, _ = fetch(health)
    assert status == 503 and '"database": {"ok": false' in body

    proxy.hang()  # the database host goes silent: connecting gives up after connect_timeout
    status, body, elapsed = fetch(home, session)
    assert status == 503 and HEADING in body
    assert elapsed < 10

    proxy.restore()  # the database is back: the same process serves pages again
    status, body, _ = fetch(home, session)
    assert status == 200 and "Nguyễn Thị Lan" in body  # still signed in
    status, _, _ = fetch(health)
    assert status == 200
