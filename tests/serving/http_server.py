"""Start the real service on a free port and stop it: `wealthpulse serve`, or `bentoml serve` itself."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every worker loads the eight champions and builds their reason-code tables before it is ready:
# 139 s measured on 2 cores under a load average of 15, past the 120 s this once was.
READY_WITHIN_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(env: dict[str, str], bare: bool = False) -> tuple[subprocess.Popen, str]:
    """The service on a free port once `/readyz` answers 200.

    `wealthpulse serve` makes a key when none is set; `bare` runs `bentoml serve` as a deployment
    does, with whatever key the environment holds (or none)."""
    port = free_port()
    if bare:
        command = [sys.executable, "-m", "bentoml", "serve", "serving.service:WealthPulse", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "wealthpulse.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_ready(process, url)
    return process, url


def wait_ready(process: subprocess.Popen, url: str) -> None:
    """Return once `/readyz` answers 200; fail with the service's output if it exits first."""
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"service exited early:\n{process.stdout.read()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(process)
    pytest.fail(f"service not ready within {READY_WITHIN_S} s")


def stop(process: subprocess.Popen) -> str:
    """Stop the service; its output."""
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output
