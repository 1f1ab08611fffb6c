"""Run the emulator under uvicorn: on a socket we bind ourselves, in the main thread or a daemon thread.

Binding the socket here (rather than letting uvicorn do it) is what makes ``port=0`` work: the kernel picks a
free port and we know it before the server starts, so the ready line and the test handles can report it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

from botcity_maestro_emulator.tls import TLSFiles

BACKLOG = 4096
"""Room for a thousand pollers connecting at once."""
KEEP_ALIVE_SECONDS = 30
GRACEFUL_SHUTDOWN_SECONDS = 3


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening-ready TCP socket; ``port=0`` lets the kernel choose a free port."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    return sock


def url_of(sock: socket.socket, *, tls: bool = False) -> str:
    """Return ``http://HOST:PORT`` (``https`` with ``tls``) for a bound socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class ReadyServer(uvicorn.Server):
    """uvicorn's server with a hook called once it accepts connections (uvicorn only has a flag)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_ready()


def make_server(
    app: ASGIApp, *, access_log: bool, on_ready: Callable[[], None], tls: TLSFiles | None = None
) -> ReadyServer:
    """Configure uvicorn for many concurrent clients, over HTTPS with ``tls``; the caller sets up logging."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        backlog=BACKLOG,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        access_log=access_log,
        log_config=None,
        ssl_certfile=None if tls is None else str(tls.certfile),
        ssl_keyfile=None if tls is None else str(tls.keyfile),
    )
    return ReadyServer(config, on_ready)


def _loop_factory(config: uvicorn.Config) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvicorn's choice of event loop; older uvicorn (what Airflow 3.0 resolves to) has no such hook."""
    get: Callable[[], Callable[[], asyncio.AbstractEventLoop] | None] | None = getattr(
        config, "get_loop_factory", None
    )
    return get() if get is not None else None


def run_in_main_thread(server: uvicorn.Server, sock: socket.socket) -> None:
    """Serve in the calling (main) thread; uvicorn turns SIGINT/SIGTERM into a graceful shutdown."""
    with asyncio.Runner(loop_factory=_loop_factory(server.config)) as runner:
        runner.run(server.serve(sockets=[sock]))


class ServerThread:
    """uvicorn in a daemon thread with its own event loop (signals stay with the main thread)."""

    def __init__(
        self, app: ASGIApp, sock: socket.socket, *, access_log: bool = False, tls: TLSFiles | None = None
    ) -> None:
        self.ready = threading.Event()
        self.server = make_server(app, access_log=access_log, on_ready=self.ready.set, tls=tls)
        self.sock = sock
        self.thread = threading.Thread(target=self._run, name="maestro-emulator", daemon=True)

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=_loop_factory(self.server.config)) as runner:
            runner.run(self.server.serve(sockets=[self.sock]))

    def start(self, timeout_seconds: float) -> None:
        """Start serving and return once connections are accepted.

        :raises RuntimeError: if the server is not ready within ``timeout_seconds``.
        """
        self.thread.start()
        deadline = time.monotonic() + timeout_seconds
        while not self.ready.wait(0.05):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the Maestro emulator did not start within {timeout_seconds} s")

    def stop(self, timeout_seconds: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for the thread (idle keep-alive connections are closed)."""
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout_seconds)
        self.sock.close()
