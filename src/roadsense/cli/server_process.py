"""The ingest server as a child process on 127.0.0.1 that stops when its parent does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

from roadsense.errors import RoadsenseError


class ServerStartError(RoadsenseError, RuntimeError):
    """The server did not come up."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ServerProcess:
    """``roadsense serve`` in a child process (a second core for the server)."""

    def __init__(
        self,
        store: Path | str,
        port: int,
        *,
        roads: Path | None = None,
        log_file: Path | None = None,
        extra_args: list[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.env = dict(env or {})
        """Environment variables set for the server on top of ours (``ROADSENSE_*``)."""
        self.extra_args = extra_args or []
        self.port = port
        self.roads = roads
        self.log_file = log_file
        self.url = f"http://127.0.0.1:{port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the server and wait until it answers ``/healthz``."""
        if port_in_use(self.port):
            raise ServerStartError(
                f"port {self.port} on 127.0.0.1 is already in use; stop what runs there "
                "or choose another port with --port"
            )
        cmd = [
            sys.executable,
            "-m",
            "roadsense",
            "serve",
            "--store",
            str(self.store),
            "--port",
            str(self.port),
            "--host",
            "127.0.0.1",
            "--exit-with-parent",
        ]
        if self.roads is not None:
            cmd += ["--roads", str(self.roads)]
        cmd += self.extra_args
        out = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        try:
            self._proc = subprocess.Popen(
                cmd, stdout=out, stderr=out, env={**os.environ, **self.env}
            )
        finally:
            if self.log_file and not isinstance(out, int):
                out.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ServerStartError(
                    f"the server exited with code {self._proc.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise ServerStartError(f"the server did not answer on {self.url} within {timeout_s} s")

    def stop(self, timeout_s: float = 15.0) -> None:
        """Ask the server to stop (SIGTERM) and wait; kill it if it does not."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to tidy up."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def wait(self) -> int:
        """Wait until the server exits; its exit code."""
        if self._proc is None:
            return 0
        return self._proc.wait()

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
