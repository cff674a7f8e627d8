"""The production entry points as an operator runs them: gunicorn on wsgi:app, the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMLOOM_", "SECRET_KEY",
                                                                      "REDIS_URL", "DATABASE_URL"))}
    env.update(
        FORMLOOM_ENV="production",
        SECRET_KEY="p" * 16 + "-N0t-a-default-but-a-long-one",
        FORMLOOM_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=database_url,
        FORMLOOM_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_gunicorn_serves_wsgi_app_in_production_mode(database_url, redis_url, tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=_env(database_url, tmp_path, REDIS_URL=redis_url),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/readyz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.poll() is not None else ""
                    pytest.fail(f"gunicorn did not come up: {output[-2000:]}")
                time.sleep(0.2)
        assert status == 200, body
        assert b'"maxmemory_policy":"noeviction"' in body
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/me")
        assert status == 401
        assert body.startswith(b'{"error"')
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_cli_refuses_to_start_production_with_a_default_secret(database_url, tmp_path):
    result = subprocess.run(
        [str(BIN / "formloom"), "db", "current"],
        env=_env(database_url, tmp_path, SECRET_KEY="change-me"),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "refusing to start: SECRET_KEY is a well-known default" in result.stderr
    assert "Traceback" not in result.stderr
