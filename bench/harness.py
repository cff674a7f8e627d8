"""What the system-level runs (`chaos.py`, `load.py`) share: a private PostgreSQL database,
the app under gunicorn, `formloom worker` processes and the environment they all read.

Every process is started in a session of its own, so it can be killed with its children
(a worker's timer sweeper) and every one is stopped at the end, whatever happens. Only
127.0.0.1 is ever bound or contacted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMLOOM = str(Path(sys.executable).with_name("formloom"))
POSTGRES_ADMIN_URL = os.environ.get(
    "FORMLOOM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class BenchAborted(RuntimeError):
    """The run could not be set up or ran out of time."""


class Processes:
    """Every process a run starts: gunicorn servers and `formloom worker`s, each in a
    session of its own, with its output in `<workdir>/<name>.log`."""

    def __init__(self, env: dict[str, str], workdir: Path, log: bool) -> None:
        self.env, self.workdir, self.log = env, workdir, log
        self.servers: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.worker_names: list[str] = []
        self._spawned = 0

    def working(self, index: int) -> bool:
        """The worker has booted and is taking jobs (RQ logged that it listens)."""
        log = self.workdir / f"{self.worker_names[index]}.log"
        return log.exists() and "*** Listening on" in log.read_text(errors="replace")

    def _popen(self, command: list[str], name: str,
               env: dict[str, str] | None = None) -> subprocess.Popen:
        out = (self.workdir / f"{name}.log").open("w")
        return subprocess.Popen(command, env=env or self.env, cwd=self.workdir,  # noqa: S603
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def start_gunicorn(self, port: int, workers: int, *, threads: int = 4,
                       keep_alive: int | None = None, name: str = "gunicorn",
                       env: dict[str, str] | None = None) -> None:
        """`keep_alive`: seconds an idle client connection stays open (gunicorn: 2)."""
        extra = ["--keep-alive", str(keep_alive)] if keep_alive else []
        self.servers.append(self._popen([
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--timeout", "60", *extra, "--pythonpath", str(ROOT), "--log-level", "warning",
            "wsgi:app"], name, env))

    def spawn_worker(self, queue: str, index: int | None = None) -> subprocess.Popen:
        self._spawned += 1
        name = f"worker-{self._spawned}"
        if index is None:
            self.worker_names.append(name)
        else:
            self.worker_names[index] = name
        return self._popen([FORMLOOM, "worker", "--queue", queue], name)

    def start_worker(self, queue: str) -> None:
        self.workers.append(self.spawn_worker(queue))

    def kill_worker(self, index: int) -> None:
        signal_group(self.workers[index], signal.SIGKILL)
        self.workers[index].wait(10)

    def stop_workers(self) -> None:
        for process in self.workers:
            stop(process)

    def stop_all(self) -> None:
        self.stop_workers()
        for server in self.servers:
            stop(server)

    def died(self) -> list[str]:
        """Names of the processes that exited on their own (a crash, not our stop)."""
        named = [(f"server-{n}", p) for n, p in enumerate(self.servers, 1)]
        named += list(zip(self.worker_names, self.workers, strict=True))
        return [name for name, process in named if process.poll() is not None]


def signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        signal_group(process, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait(10)
    signal_group(process, signal.SIGKILL)  # children left behind in its group


class PrivateDatabase:
    """A new, migrated PostgreSQL database, dropped at the end."""

    def __init__(self, admin_url: str, prefix: str) -> None:
        self.admin_url, self.name = admin_url, f"{prefix}_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        import sqlalchemy as sa

        from app.cli.db import upgrade_database

        self.admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT",
                                      connect_args={"connect_timeout": 3})
        try:
            with self.admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        except Exception as err:  # any failure means "not usable here"
            raise BenchAborted(f"PostgreSQL not reachable: {type(err).__name__}") from err
        url = sa.engine.make_url(self.admin_url).set(database=self.name)
        self.url = url.render_as_string(hide_password=False)
        upgrade_database(self.url)
        return self.url

    def __exit__(self, *exc: object) -> None:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def environment(url: str, redis_url: str, workdir: Path, port: int, queue: str,
                **settings: str) -> dict[str, str]:
    """The environment of every process of a run; `settings` become `FORMLOOM_<NAME>`.

    Nothing `FORMLOOM_`-prefixed is inherited from the caller's shell: a run must not
    pick up a developer's database or keys.
    """
    from cryptography.fernet import Fernet

    inherited = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FORMLOOM_") and k not in inherited}
    env.update(
        DATABASE_URL=url, REDIS_URL=redis_url, FORMLOOM_ENV="development",
        FORMLOOM_SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
        FORMLOOM_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FORMLOOM_INSTANCE_PATH=str(workdir / "instance"), FORMLOOM_JOBS_BACKEND="rq",
        FORMLOOM_RQ_QUEUE=queue, FORMLOOM_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        FORMLOOM_SANDBOX_ENABLED="true", FORMLOOM_TIMER_SWEEP_SECONDS="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    env.update({f"FORMLOOM_{name.upper()}": value for name, value in settings.items()})
    return env


def app_config(env: dict[str, str], **overrides: object) -> dict:
    """The same settings as `env`, for an app the run builds in its own process."""
    config = {"ENV_MODE": "development", "DATABASE_URL": env["DATABASE_URL"],
              "REDIS_URL": env["REDIS_URL"], "JOBS_BACKEND": "rq",
              "RQ_QUEUE": env["FORMLOOM_RQ_QUEUE"], "SECRET_KEY": env["FORMLOOM_SECRET_KEY"],
              "ENCRYPTION_KEYS": env["FORMLOOM_ENCRYPTION_KEYS"], "SANDBOX_ENABLED": True,
              "PUBLIC_BASE_URL": env["FORMLOOM_PUBLIC_BASE_URL"],
              "INSTANCE_PATH": env["FORMLOOM_INSTANCE_PATH"]}
    config.update(overrides)
    return config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, deadline: float, what: str = "gunicorn") -> None:
    give_up = min(deadline, time.monotonic() + 60)
    while time.monotonic() < give_up:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise BenchAborted(f"{what} did not answer")
