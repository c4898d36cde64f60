"""`petition-bot web` and `petition-bot run` with the site on: they serve, and SIGTERM stops
them cleanly (exit 143, the store closed); `check-config` names a bad [web] setting."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
import tomli_w

from tests.web.site import EXAMPLE

COMMAND = str(Path(sys.executable).parent / "petition-bot")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(tmp_path: Path, **web: object) -> Path:
    data = tomllib.loads(EXAMPLE.read_text())
    data["storage"] = {"url": f"sqlite:///{tmp_path / 'petition.db'}"}
    data["web"] = web
    path = tmp_path / "config.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


def wait_until_served(url: str, process: subprocess.Popen[str]) -> bytes:
    while True:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bytes(response.read())
        except OSError:
            time.sleep(0.1)


@pytest.mark.parametrize("command", ["web", "run"])
def test_the_site_serves_until_sigterm_then_stops_cleanly(tmp_path: Path, command: str) -> None:
    port = free_port()
    config = write_config(tmp_path, enabled=True, port=port)
    process = subprocess.Popen(
        [COMMAND, command, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = wait_until_served(f"http://127.0.0.1:{port}/api/petitions/dont-run-joe", process)
        assert b'"count":0' in body
        # A viewer's event stream stays open: the stop must not wait for it to end.
        viewer = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        viewer.request("GET", "/api/petitions/dont-run-joe/events")
        stream = viewer.getresponse()
        assert stream.readline() == b"retry: 3000\n"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        viewer.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "without finishing the stop" not in stderr
    assert not (tmp_path / "petition.db-wal").exists()  # the store was closed


def test_check_config_names_a_bad_web_setting(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=70000, event_interval_seconds=0)
    result = subprocess.run(
        [COMMAND, "check-config", "--config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "web.port: must be from 1 to 65535, not 70000" in result.stderr
    assert "web.event_interval_seconds: must be from 0.1 to 60 seconds, not 0" in result.stderr
