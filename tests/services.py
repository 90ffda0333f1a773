"""PostgreSQL and Redis for the sessions suites, the two-server test and `make bench`.

Debian's servers (installed by the Makefile), each started on loopback in a temporary directory of its
own and stopped afterwards. PostgreSQL refuses to run as root: as root it runs as the `postgres` user the
Debian package creates.
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POSTGRES_USER = "postgres"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise RuntimeError("PostgreSQL is missing: install Debian's package postgresql (the Makefile does).")
    return versions[-1].parent


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n{log.read_text() if log.exists() else ''}") from None
            time.sleep(0.05)


class Postgres:
    """A PostgreSQL server that `postgres()` started: a test may stop it and start it again."""

    def __init__(self, pg_ctl: list[str], log: Path, port: int) -> None:
        self._pg_ctl, self._log, self.port = pg_ctl, log, port

    def start(self) -> None:
        subprocess.run(
            [*self._pg_ctl, "-l", str(self._log), "-w", "-t", "60", "start"], check=True, capture_output=True
        )
        _wait_for_port(self.port, None, self._log, "PostgreSQL")

    def stop(self) -> None:
        subprocess.run([*self._pg_ctl, "-m", "fast", "-w", "stop"], check=False, capture_output=True)


@contextmanager
def postgres(port: int) -> Iterator[Postgres]:
    """A PostgreSQL server on 127.0.0.1:`port`, user `postgres` without a password (trust on loopback).

    Durability is off (fsync, synchronous_commit): the data dies with the test run anyway. A fast stop
    (the one `stop()` does) still writes a checkpoint, so what was committed survives a restart.
    """
    bindir = _postgres_bin()
    tmp = Path(tempfile.mkdtemp(prefix="ninja-jwt-postgres-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam(POSTGRES_USER)
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", POSTGRES_USER, "--"]
    data, log = tmp / "data", tmp / "postgres.log"
    try:
        subprocess.run(
            [
                *as_user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                POSTGRES_USER,
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
            )
        server = Postgres([*as_user, str(bindir / "pg_ctl"), "-D", str(data)], log, port)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Redis:
    """A Redis server that `redis()` started: a test may stop it, and start it again (empty)."""

    def __init__(self, command: list[str], log: Path, port: int) -> None:
        self._command, self._log, self.port = command, log, port
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self._process, self._log, "Redis")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)
            self._process = None


@contextmanager
def redis(port: int) -> Iterator[Redis]:
    """A Redis server on 127.0.0.1:`port`, keeping nothing on disk (a restart starts it empty)."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(server):
        raise RuntimeError("Redis is missing: install Debian's package redis-server (the Makefile does).")
    tmp = Path(tempfile.mkdtemp(prefix="ninja-jwt-redis-"))
    log = tmp / "redis.log"
    command = [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    command += ["--dir", str(tmp), "--logfile", str(log), "--daemonize", "no"]
    handle = Redis(command, log, port)
    try:
        handle.start()
        yield handle
    finally:
        handle.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def redis_calls(client: Any, command: str = "mget") -> int:
    """How many times the Redis server of the redis-py `client` has run `command` (by default the one the
    revocation check reads with: the session's entry and the key saying the cache is complete)."""
    return int(client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def create_database(port: int, name: str) -> None:
    """Makes the database `name` on the server of `postgres(port)`."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user=POSTGRES_USER, dbname="postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def example_on_postgres_and_redis(workdir: Path, **extra: str) -> Iterator[dict[str, str]]:
    """PostgreSQL and Redis on free loopback ports, and the environment of the example project using them
    (`extra` added), its database set up by `demo_setup` in `workdir`."""
    from tests.servers import demo_setup, example_env

    pg_port, redis_port = free_port(), free_port()
    with postgres(pg_port), redis(redis_port):
        create_database(pg_port, "example")
        env = example_env(
            workdir,
            EXAMPLE_PG_HOST="127.0.0.1",
            EXAMPLE_PG_PORT=str(pg_port),
            EXAMPLE_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            **extra,
        )
        demo_setup(sys.executable, workdir, env)
        yield env
