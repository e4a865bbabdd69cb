"""A loopback TCP proxy in front of Postgres that plays one outage: the database drops mid-run.

The first time a client sends bytes containing `trigger` (e.g. a bind parameter such as a
period), the proxy cuts every open connection without forwarding them and refuses new ones for
`outage_seconds`; after that it forwards again as if the server had come back.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import sqlalchemy as sa

from tests.support.loopback import free_port

Connect = Callable[[], socket.socket]


def upstream(url: str) -> tuple[Connect, str]:
    """How to reach the server of a database URL (TCP or a Unix socket), and the URL to give
    clients instead, pointing at the proxy's port (filled in with .format(port=...))."""
    parsed = sa.engine.make_url(url)
    socket_dir = parsed.query.get("host")
    port = parsed.port or 5432
    if isinstance(socket_dir, str) and socket_dir.startswith("/"):
        path = f"{socket_dir}/.s.PGSQL.{port}"

        def connect() -> socket.socket:
            unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            unix.connect(path)
            return unix
    else:
        host = parsed.host or "127.0.0.1"

        def connect() -> socket.socket:
            return socket.create_connection((host, port), timeout=5)

    proxied = parsed.set(host="127.0.0.1", port=12345, query={})
    text = proxied.render_as_string(hide_password=False).replace(":12345/", ":{port}/")
    return connect, text


class DroppingProxy:
    def __init__(self, connect: Connect, trigger: bytes, outage_seconds: float) -> None:
        self.connect = connect
        self.trigger = trigger
        self.outage_seconds = outage_seconds
        self.port = free_port()
        self.dropped_at: float | None = None
        self.refused = 0
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stopping = threading.Event()

    def serve(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if time.monotonic() < self._down_until:
                self.refused += 1
                client.close()  # the server is "down": the client sees the connection close
                continue
            try:
                server = self.connect()
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for source, sink, watch in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(source, sink, watch), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, watch: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if watch and data and self.dropped_at is None and self.trigger in data:
                self._drop_everything()
                return
            if not data:
                break
            try:
                sink.sendall(data)
            except OSError:
                break
        self._close(source, sink)

    def _drop_everything(self) -> None:
        with self._lock:
            self.dropped_at = time.monotonic()
            self._down_until = self.dropped_at + self.outage_seconds
            doomed = list(self._sockets)
        self._close(*doomed)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            with self._lock:
                self._sockets.discard(sock)

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            doomed = list(self._sockets)
        self._close(*doomed)


@contextmanager
def dropping_proxy(
    connect: Connect, trigger: bytes, outage_seconds: float
) -> Iterator[DroppingProxy]:
    proxy = DroppingProxy(connect, trigger, outage_seconds)
    thread = threading.Thread(target=proxy.serve, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.stop()
        thread.join(timeout=5)
