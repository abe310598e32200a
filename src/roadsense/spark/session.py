"""A SparkSession on ``local[N]`` or a standalone master, quiet at the terminal.

Before any JVM starts, Java and the master are checked, so that a missing Java or an
unreachable master is one line naming the fix rather than a Java stack trace or a hang:
the master's port must answer within ``connect_timeout_s``, and on a cluster at least one
executor must register within ``worker_wait_s`` (a master without workers would
otherwise queue the first job for ever). Spark's own log (log4j2) goes to
``<log_dir>/spark.log``; the console keeps only roadsense's output.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from roadsense.spark.errors import SparkEngineError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MIN_JAVA = 17
"""Spark 4 runs on Java 17 and newer."""

_MASTER = re.compile(r"^(local(\[(\d+|\*)\])?|spark://(?P<host>[^:/\s]+):(?P<port>\d+))$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}

DEFAULT_CONF: Mapping[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
}
"""Settings of every session (``--spark-conf`` overrides them): UTC for the lake's UTC
days, no web UI, no console bar (roadsense draws its own), few shuffle partitions (the
adaptive planner coalesces them further; raise it on a cluster)."""


@dataclass(frozen=True)
class SparkOptions:
    """Where and how Spark runs."""

    master: str = "local[2]"
    conf: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path = Path("var/spark")
    connect_timeout_s: float = 5.0
    worker_wait_s: float = 30.0

    @property
    def log_file(self) -> Path:
        """Spark's own log."""
        return self.log_dir / "spark.log"


def parse_conf(pairs: list[str]) -> dict[str, str]:
    """``--spark-conf KEY=VALUE`` options as a mapping; a malformed one is one error line."""
    conf: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SparkEngineError(
                f"--spark-conf wants KEY=VALUE (e.g. spark.executor.memory=2g), not {pair!r}"
            )
        conf[key.strip()] = value
    return conf


def java_binary() -> str:
    """The ``java`` that Spark will start: JAVA_HOME's, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if not os.access(java, os.X_OK):
            raise SparkEngineError(
                f"JAVA_HOME={home} holds no bin/java: run `make java-deps` (Debian's Java "
                f"runtime) and unset JAVA_HOME, or point it at a Java {MIN_JAVA}+ install"
            )
        return str(java)
    found = shutil.which("java")
    if found is None:
        raise SparkEngineError(
            f"no Java runtime on PATH (Spark needs Java {MIN_JAVA}+): run `make java-deps`, "
            "or set JAVA_HOME"
        )
    return found


def java_major(java: str) -> int:
    """The major version of ``java`` (``java -version``); an error line when it fails."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SparkEngineError(f"{java} does not run ({exc}): run `make java-deps`") from exc
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if found is None:
        raise SparkEngineError(f"{java} -version says no version: run `make java-deps`")
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_master(master: str, timeout_s: float) -> tuple[str, int] | None:
    """The (host, port) of a ``spark://`` master that answers, None for ``local``."""
    found = _MASTER.match(master)
    if found is None:
        raise SparkEngineError(f"--master {master!r} is neither local[N] nor spark://HOST:PORT")
    if found.group("host") is None:
        return None
    host, port = found.group("host"), int(found.group("port"))
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise SparkEngineError(
            f"cannot reach the Spark master {master} ({exc.strerror or exc}): start it "
            "(spark-class org.apache.spark.deploy.master.Master) or use --master local[2]"
        ) from exc
    return host, port


def _log4j(options: SparkOptions) -> Path:
    """A log4j2 configuration that writes everything to the log file only."""
    options.log_dir.mkdir(parents=True, exist_ok=True)
    props = options.log_dir / "log4j2.properties"
    props.write_text(
        "\n".join(
            [
                "rootLogger.level = info",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                f"appender.file.fileName = {options.log_file.resolve()}",
                "appender.file.append = true",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss.SSS} %p %c{1}: %m%n",
                "logger.jetty.name = org.sparkproject.jetty",
                "logger.jetty.level = warn",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return props


def _conf(options: SparkOptions, cluster: tuple[str, int] | None, props: Path) -> dict[str, str]:
    conf = dict(DEFAULT_CONF)
    conf["spark.driver.extraJavaOptions"] = f"-Dlog4j.configurationFile=file:{props.resolve()}"
    if cluster is None or cluster[0] in _LOCAL_HOSTS:
        # everything on this machine: listen on 127.0.0.1 only, workers run this Python
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
        conf["spark.pyspark.python"] = sys.executable
    conf.update(options.conf)
    return conf


def start_session(options: SparkOptions) -> SparkSession:
    """A SparkSession as ``options`` say, or :class:`SparkEngineError` (one line)."""
    java = java_binary()
    major = java_major(java)
    if major < MIN_JAVA:
        raise SparkEngineError(
            f"{java} is Java {major}; Spark needs Java {MIN_JAVA}+: run `make java-deps` "
            "or set JAVA_HOME to a newer one"
        )
    cluster = check_master(options.master, options.connect_timeout_s)
    props = _log4j(options)
    with warnings.catch_warnings():
        # pyspark warns about the pandas version at import; roadsense does not use it
        warnings.simplefilter("ignore", FutureWarning)
        from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(options.master).appName("roadsense analyze")
    for key, value in _conf(options, cluster, props).items():
        builder = builder.config(key, value)
    if cluster is None or cluster[0] in _LOCAL_HOSTS:
        # Spark's own servers (block manager, shuffle) listen on 127.0.0.1 only, and its
        # Python workers (the junction counts run in them) are this Python, not the
        # first python3 on the PATH: pyspark refuses a worker of another minor version
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        with warnings.catch_warnings(), _stderr_to(options.log_file):
            warnings.simplefilter("ignore", FutureWarning)
            session = builder.getOrCreate()
    except Exception as exc:  # py4j and pyspark raise many kinds; one line for all
        raise SparkEngineError(
            f"Spark did not start on {options.master}: {_first_line(exc)} "
            f"(Spark's log: {options.log_file})"
        ) from exc
    if cluster is not None:
        _wait_for_executors(session, options)
    return session


def _wait_for_executors(session: SparkSession, options: SparkOptions) -> None:
    """Wait until an executor has registered; a master without workers is an error."""
    jsc = session.sparkContext._jsc
    assert jsc is not None
    deadline = time.monotonic() + options.worker_wait_s
    while time.monotonic() < deadline:
        # the driver is listed too
        if int(jsc.sc().getExecutorMemoryStatus().size()) > 1:
            return
        time.sleep(0.2)
    session.stop()
    raise SparkEngineError(
        f"the Spark master {options.master} gave this application no executor in "
        f"{options.worker_wait_s:.0f} s: start a worker (spark-class "
        f"org.apache.spark.deploy.worker.Worker {options.master}) with enough free cores "
        f"and memory, or use --master local[2] (Spark's log: {options.log_file})"
    )


@contextmanager
def spark_session(options: SparkOptions) -> Iterator[SparkSession]:
    """:func:`start_session`, stopped on the way out."""
    session = start_session(options)
    try:
        yield session
    finally:
        session.stop()


@contextmanager
def _stderr_to(log_file: Path) -> Iterator[None]:
    """The process's standard error (file descriptor 2) appended to ``log_file`` while the
    JVM starts: the JVM inherits it, so what Java and Spark print outside log4j (the JVM's
    own warnings, Spark's "Setting default log level" lines) goes to the log, not the
    terminal. Python's standard error is the terminal's again afterwards."""
    sys.stderr.flush()
    saved = os.dup(2)
    log = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.dup2(log, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(log)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
