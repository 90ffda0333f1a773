"""The example project as a real server, for the end-to-end tests and `make bench`.

A server runs in a directory of its own, set up by the example's `demo_setup` (the command `make demo`
runs), under gunicorn with production settings, on a free loopback port.
"""

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example"
USER = {"username": "demo", "password": "demo-pass-1234"}

# Production settings want a secret key; nothing signed with it outlives the process.
_SECRET_KEY = secrets.token_urlsafe(50)


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    workdir: Path
    log: Path

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        """One HTTP request; a dict or list body is sent as JSON."""
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            # Generous: a loaded machine may take long over a password hash; no test waits for a timeout.
            with urllib.request.urlopen(request, timeout=120) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def example_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of the example project in production mode, its database in `workdir`."""
    return {
        **os.environ,
        "PYTHONPATH": str(EXAMPLE),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "EXAMPLE_DEBUG": "0",
        "EXAMPLE_SECRET_KEY": _SECRET_KEY,
        "EXAMPLE_DB": str(workdir / "db.sqlite3"),
        **extra,
    }


def demo_setup(python: str, workdir: Path, env: dict[str, str]) -> str:
    """Runs the example's `demo_setup` in `workdir` (tables, keys on first run, the demo user); its output."""
    command = [python, str(EXAMPLE / "manage.py"), "demo_setup"]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=True).stdout


@contextmanager
def gunicorn(
    python: str,
    workdir: Path,
    env: dict[str, str],
    workers: int = 2,
    name: str = "gunicorn",
    access_log: bool = False,
    access_log_format: str = "%(m)s %(U)s %(s)s",
    host: str = "127.0.0.1",
    threads: int = 1,
    port: int | None = None,
    app: str = "project.wsgi",
) -> Iterator[Server]:
    """The example project under gunicorn with `workers` workers of `threads` threads (sync workers when 1),
    from the environment of `python`.

    With `access_log`, the log gets a line per request in `access_log_format` (gunicorn's atoms; by
    default method, path and status). `host` is a loopback address (127.0.0.2 is one too on Linux: two
    servers, two hosts). `port`: a free one by default; `app`: another WSGI module that serves /api/ping.
    """
    port = port or free_port(host)
    gunicorn_bin = os.path.join(os.path.dirname(os.path.abspath(python)), "gunicorn")
    command = [gunicorn_bin, app, "-b", f"{host}:{port}", "-w", str(workers), "--error-logfile", "-"]
    command += ["--threads", str(threads)]
    if access_log:
        command += ["--access-logfile", "-", "--access-logformat", access_log_format]
    with _serve(command, workdir, env, name, host, port) as server:
        yield server


@contextmanager
def uvicorn(python: str, workdir: Path, env: dict[str, str], name: str = "uvicorn") -> Iterator[Server]:
    """The example project under uvicorn (ASGI, one worker), from the environment of `python`."""
    port = free_port()
    command = [os.path.abspath(python), "-m", "uvicorn", "project.asgi:application", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    with _serve(command, workdir, env, name, "127.0.0.1", port) as server:
        yield server


@contextmanager
def _serve(command: list[str], workdir: Path, env: dict[str, str], name: str, host: str, port: int) -> Iterator[Server]:
    """Runs `command`, a server of the example project, until it answers /api/ping; stops it after."""
    log = workdir / f"{name}.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/api/ping", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield Server(f"http://{host}:{port}", workdir, log)
    finally:
        process.terminate()
        process.wait(timeout=30)
