"""A real Synapse homeserver on 127.0.0.1 for the Matrix tests, in its own virtualenv.

Synapse pins many packages, so it never goes into the project's environment: it lives in
``$PETITION_BOT_SYNAPSE`` (the python of a venv with ``matrix-synapse``) or in the git-ignored
``.synapse-venv`` at the repository root, which is created on first use when the package index
is reachable (a second run takes seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

SYNAPSE_VERSION = "1.163.2"
ENV = "PETITION_BOT_SYNAPSE"
CACHED_VENV = Path(__file__).resolve().parents[2] / ".synapse-venv"
HOW_TO_ENABLE = (
    f"Synapse is not installed: run `python3 -m venv .synapse-venv && .synapse-venv/bin/pip "
    f"install matrix-synapse=={SYNAPSE_VERSION}` at the repository root, or set {ENV} to the "
    "python of a virtualenv that has matrix-synapse"
)
SERVER_NAME = "localhost"
# Raised far above what any test sends; Synapse's defaults would slow the tests down.
_UNLIMITED = {"per_second": 10000, "burst_count": 10000}


class SynapseUnavailable(Exception):
    """No Synapse to start here; the message says how to get one."""


def synapse_python() -> Path:
    """The python of a virtualenv with Synapse, installing it into the cache if needed."""
    configured = os.environ.get(ENV)
    if configured:
        if not Path(configured).exists():
            raise SynapseUnavailable(f"{ENV}={configured} does not exist. {HOW_TO_ENABLE}")
        return Path(configured)
    python = CACHED_VENV / "bin" / "python"
    if _has_synapse(python):
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(CACHED_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--retries", "0", "--timeout", "20"]
        subprocess.run([*pip, f"matrix-synapse=={SYNAPSE_VERSION}"], check=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        raise SynapseUnavailable(f"installing Synapse failed ({exc}). {HOW_TO_ENABLE}") from exc
    return python


def _has_synapse(python: Path) -> bool:
    if not python.exists():
        return False
    found = subprocess.run([str(python), "-c", "import synapse"], capture_output=True)
    return found.returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Synapse:
    """One running homeserver: its address, and the shared secret that registers users."""

    folder: Path
    port: int = field(default_factory=_free_port)
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, python: Path) -> None:
        config = self.folder / "homeserver.yaml"
        config.write_text(json.dumps(self._config()))  # YAML reads JSON
        module = ["-m", "synapse.app.homeserver", "-c", str(config)]
        with (self.folder / "synapse.log").open("wb") as log:
            subprocess.run([str(python), *module, "--generate-keys"], check=True, stdout=log)
            self.process = subprocess.Popen([str(python), *module], stdout=log, stderr=log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynapseUnavailable(f"Synapse exited; see {self.folder / 'synapse.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise SynapseUnavailable("Synapse did not answer /health within 120 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def register(self, localpart: str, admin: bool = False) -> tuple[str, str]:
        """A new account by the shared-secret admin API: (user id, access token)."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(endpoint) as answer:
            nonce = json.load(answer)["nonce"]
        password = secrets.token_hex(8)
        # The MAC covers the fields joined by NUL bytes, without a trailing one.
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join(p.encode() for p in (nonce, localpart, password)))
        mac.update(b"\x00" + (b"admin" if admin else b"notadmin"))
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        request = urllib.request.Request(
            endpoint, json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            created = json.load(answer)
        return created["user_id"], created["access_token"]

    def _config(self) -> dict[str, object]:
        folder = self.folder
        return {
            "server_name": SERVER_NAME,
            "pid_file": str(folder / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(folder / "synapse.db")}},
            "media_store_path": str(folder / "media"),
            "signing_key_path": str(folder / "signing.key"),
            "registration_shared_secret": self.secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            "enable_metrics": False,
            "rc_message": _UNLIMITED,
            "rc_registration": _UNLIMITED,
            "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED},
            "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
            "rc_invites": {
                "per_room": _UNLIMITED,
                "per_user": _UNLIMITED,
                "per_issuer": _UNLIMITED,
            },
            "rc_admin_redaction": _UNLIMITED,
            "rc_joins_per_room": _UNLIMITED,
            "rc_presence": {"per_user": _UNLIMITED},
            "rc_delayed_event_mgmt": _UNLIMITED,
            "rc_room_creation": _UNLIMITED,
            "rc_reports": _UNLIMITED,
            "rc_media_create": _UNLIMITED,
        }
