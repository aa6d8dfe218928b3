"""Throwaway PostgreSQL and Redis servers on free loopback ports in temporary directories.

The benchmark and the fault tests stop, restart and kill their databases; they do it to servers of their own,
never to the machine's shared ones. PostgreSQL comes from Debian's postgresql package (`initdb` and `pg_ctl`
under /usr/lib/postgresql/<version>/bin, run as the postgres user when we are root), Redis from redis-server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    raise FileNotFoundError("PostgreSQL's server programs are not installed (Debian: postgresql)")


def _wait_for_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f} s")


class ScratchPostgres:
    """A PostgreSQL cluster of its own: trust authentication, user postgres, database `ipdesk`. `durable=False`
    turns fsync off, for tests that only need a server to restart."""

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="ipdesk-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = _postgres_bin()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/ipdesk"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> "ScratchPostgres":
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._pg_ctl("start", "-w", "-l", str(self.root / "server.log"), "-o", self._options)
        _wait_for_port(self.port, 30, "PostgreSQL")
        if not (self.root / ".created").exists():
            self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ipdesk")
            (self.root / ".created").touch()
        return self

    def restart(self) -> None:
        """Stop the server (fast: open connections are cut) and start it again on the same port."""
        self._pg_ctl("restart", "-w", "-m", "fast", "-l", str(self.root / "server.log"), "-o", self._options)
        _wait_for_port(self.port, 30, "PostgreSQL")

    def shut_down(self) -> None:
        """Stop the server (fast: open connections are cut) and leave it stopped; `start()` brings it back."""
        self._pg_ctl("stop", "-w", "-m", "fast")

    def stop(self) -> None:
        if self.data.exists():
            try:
                self._pg_ctl("stop", "-w", "-m", "immediate")
            except subprocess.CalledProcessError:
                pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def _options(self) -> str:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        return options if self.durable else options + " -c fsync=off"

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), *args)

    def __enter__(self) -> "ScratchPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ScratchRedis:
    """A Redis server of its own, keeping nothing on disk."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ipdesk-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "ScratchRedis":
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=open(self.root / "server.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for_port(self.port, 10, "Redis")
        return self

    def kill(self) -> None:
        """Stop it at once, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "ScratchRedis":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
