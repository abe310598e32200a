"""A throwaway PostgreSQL + PostGIS server on 127.0.0.1, for tests, benchmarks and trying out.

It runs Debian's PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``): ``initdb``
into a folder, ``pg_ctl start`` on a free port, ``pg_ctl stop`` when done. PostgreSQL
refuses to run as root; as root the server runs as the ``postgres`` system user that the
Debian package creates. ``make pg-deps`` installs the packages.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import psycopg

from roadsense.errors import RoadsenseError

POSTGRES_LIB = Path("/usr/lib/postgresql")


class LocalPostgresError(RoadsenseError, RuntimeError):
    """The local PostgreSQL could not be set up."""


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder."""
    versions = sorted(
        (p for p in POSTGRES_LIB.glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise LocalPostgresError(
            "PostgreSQL is not installed: run `make pg-deps` (Debian packages postgresql "
            "and postgresql-<version>-postgis-3)"
        )
    return versions[-1]


def postgis_available(bin_dir: Path | None = None) -> bool:
    """Whether the PostGIS extension is installed for that PostgreSQL."""
    version = (bin_dir or postgres_bin()).parent.name
    return Path(f"/usr/share/postgresql/{version}/extension/postgis.control").is_file()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """A PostgreSQL cluster in ``folder`` listening on 127.0.0.1 only.

    Without a folder it makes one under the system's temporary folder (which the
    ``postgres`` user can reach, unlike a root-only pytest folder) and deletes it in
    :meth:`remove`.
    """

    def __init__(
        self, folder: Path | None = None, *, port: int | None = None, fsync: bool = True
    ) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="roadsense-pg-"))
        self.data = self.folder / "data"
        self.port = port or _free_port()
        self.fsync = fsync
        self.password = secrets.token_urlsafe(16)
        self.bin = postgres_bin()
        self._demote: Callable[[], None] | None = None
        self._owner: tuple[int, int] | None = None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise LocalPostgresError(
                    "running as root needs the 'postgres' user of Debian's package"
                ) from exc
            self._owner = (entry.pw_uid, entry.pw_gid)
            uid, gid = self._owner

            def demote() -> None:
                os.setgid(gid)
                os.setuid(uid)

            self._demote = demote

    @property
    def url(self) -> str:
        """The superuser's URL of the ``roadsense`` database."""
        return self.url_for("roadsense")

    def url_for(self, dbname: str) -> str:
        """The superuser's URL of a database of this cluster."""
        return f"postgresql://roadsense:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            args,
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=self._demote,  # drops root before PostgreSQL starts
            cwd=self.folder,
            timeout=120,
        )
        if done.returncode != 0:
            raise LocalPostgresError(f"{Path(args[0]).name} failed: {done.stderr or done.stdout}")

    def start(self) -> LocalPostgres:
        """initdb (once), start, and create the ``roadsense`` database with PostGIS."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._owner:
            os.chown(self.folder, *self._owner)
        if not (self.data / "PG_VERSION").is_file():
            pwfile = self.folder / "pwfile"
            pwfile.write_text(self.password + "\n")
            if self._owner:
                os.chown(pwfile, *self._owner)
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "roadsense",
                "--pwfile",
                str(pwfile),
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--no-instructions",
            )
            pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories='{self.folder}' -c max_connections=200 "
            f"-c shared_buffers=256MB -c fsync={'on' if self.fsync else 'off'}"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.create_database("roadsense")
        return self

    def connect(self, dbname: str = "roadsense") -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit superuser connection to a database of this cluster."""
        return psycopg.connect(self.url_for(dbname), autocommit=True)

    def create_database(self, dbname: str) -> str:
        """Create a database with PostGIS (when installed); its URL."""
        with psycopg.connect(self.url_for("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            if not exists.fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')
        if postgis_available(self.bin):
            with psycopg.connect(self.url_for(dbname), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self.url_for(dbname)

    def drop_database(self, dbname: str) -> None:
        """Drop a database (and disconnect whoever uses it)."""
        with psycopg.connect(self.url_for("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: clean shutdown; ``immediate``: no final checkpoint)."""
        if (self.data / "postmaster.pid").is_file():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        """SIGKILL the postmaster: a crash, as far as PostgreSQL can tell."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.is_file():
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 9)

    def remove(self) -> None:
        """Stop the server and delete its folder (no checkpoint: nothing is kept)."""
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()
