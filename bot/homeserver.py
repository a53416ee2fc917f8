"""Installs, configures, starts and stops a local Synapse on 127.0.0.1 for the demo and tests."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SYNAPSE_VENV = Path(
    os.environ.get("ALUMNI_BOT_SYNAPSE_VENV", REPO_ROOT / ".cache" / "synapse-venv")
)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# How long a start waits for its preferred port before it takes another.
PORT_WAIT = 5.0

_RELAXED = {"per_second": 1000, "burst_count": 1000}
# Every per-second limiter Synapse 1.163 reads. rc_federation is left out: it takes window
# and sleep settings instead, and there is no federation listener anyway.
RELAXED_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _RELAXED,
    "rc_registration": _RELAXED,
    "rc_registration_token_validity": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_third_party_invite": _RELAXED,
    "rc_room_creation": _RELAXED,
    "rc_3pid_validation": _RELAXED,
    "rc_admin_redaction": _RELAXED,
    "rc_media_create": _RELAXED,
    "rc_reports": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_delayed_event_mgmt": _RELAXED,
    "rc_key_requests": _RELAXED,
    "rc_user_directory": _RELAXED,
    "rc_profile": _RELAXED,
}


@dataclass(frozen=True)
class SynapseFiles:
    config: Path
    log: Path
    shared_secret: str


def synapse_installed(venv_dir: Path) -> bool:
    """Whether the venv at venv_dir can import synapse (so a start need not install it)."""
    python = venv_dir / "bin" / "python"
    # find_spec rather than an import: importing synapse costs ~0.6 s on every start.
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('synapse') is None)"
    return python.exists() and subprocess.run([python, "-c", probe]).returncode == 0


def ensure_synapse_venv(venv_dir: Path) -> Path:
    """Return the python of a venv at venv_dir that can import synapse, installing it if needed."""
    python = venv_dir / "bin" / "python"
    if synapse_installed(venv_dir):
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", venv_dir], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "matrix-synapse"], check=True)
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port now. Synapse (Twisted) binds with
    SO_REUSEADDR, so connections of a stopped server still in TIME_WAIT do not count."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def choose_port(
    preferred: int,
    *,
    wait: float = PORT_WAIT,
    interval: float = 0.2,
    is_free: Callable[[int], bool] = port_is_free,
) -> int:
    """`preferred` if it is free within `wait` seconds, else any free port. A server stopped
    a moment ago (a quick restart) may still hold the port while it shuts down."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        if is_free(preferred):
            return preferred
        if loop.time() >= deadline:
            return free_port()
        await asyncio.sleep(interval)


def write_synapse_config(
    data_dir: Path,
    port: int,
    server_name: str = "localhost",
    *,
    reuse: bool = False,
    rate_limits: Mapping[str, Any] = RELAXED_RATE_LIMITS,
) -> SynapseFiles:
    """Write homeserver.yaml and its log config into data_dir.

    With reuse, the shared secret of an existing homeserver.yaml is kept. `rate_limits` are
    `rc_*` settings; pass {} for Synapse's own defaults.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = data_dir / "homeserver.yaml"
    log_path = data_dir / "homeserver.log"
    log_config_path = data_dir / "log_config.yaml"
    # JSON is valid YAML, so the files are written and read back without PyYAML.
    if reuse and config_path.exists():
        secret = json.loads(config_path.read_text())["registration_shared_secret"]
    else:
        secret = secrets.token_urlsafe(32)

    log_config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "plain",
                "filename": str(log_path),
                "encoding": "utf8",
            }
        },
        "root": {"level": "WARNING", "handlers": ["file"]},
    }
    config: dict[str, Any] = {
        "server_name": server_name,
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                # openid: the userinfo endpoint that checks an Element widget's OpenID token.
                "resources": [{"names": ["client", "openid"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(data_dir / "homeserver.db")}},
        "log_config": str(log_config_path),
        "media_store_path": str(data_dir / "media_store"),
        # Synapse creates the key on its first start and keeps it on later ones.
        "signing_key_path": str(data_dir / f"{server_name}.signing.key"),
        "registration_shared_secret": secret,
        "enable_registration": False,
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "presence": {"enabled": False},
        "bcrypt_rounds": 4,
        "url_preview_enabled": False,
        "max_upload_size": "50M",
    }
    config |= rate_limits

    log_config_path.write_text(json.dumps(log_config, indent=2) + "\n")
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    return SynapseFiles(config=config_path, log=log_path, shared_secret=secret)


def pid_file_of(data_dir: Path) -> Path:
    """Where a running LocalSynapse notes its process id (removed when it is stopped)."""
    return data_dir.resolve() / "synapse.pid"


def stop_leftover(data_dir: Path) -> bool:
    """Stop a Synapse still running on data_dir (its starter was killed without stopping it),
    so a new start gets its port and it is not two servers on one database. True if one ran.
    Blocks up to STOP_TIMEOUT: call it in a thread."""
    pid_file = pid_file_of(data_dir)
    try:
        pid = int(pid_file.read_text().strip())
        # The process must be the Synapse of this data dir: the pid may belong to another by now.
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        pid_file.unlink(missing_ok=True)
        return False
    if str(data_dir.resolve() / "homeserver.yaml").encode() not in command:
        pid_file.unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie has exited; only its parent's wait is missing.
    return stat.rpartition(")")[2].split()[0] != "Z"


def _tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class LocalSynapse:
    """A Synapse subprocess serving the client API on 127.0.0.1."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        venv_dir: Path = DEFAULT_SYNAPSE_VENV,
        server_name: str = "localhost",
        *,
        reuse: bool = False,
        rate_limits: Mapping[str, Any] = RELAXED_RATE_LIMITS,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self.venv_dir = venv_dir
        self._server_name = server_name
        self._reuse = reuse
        self._rate_limits = rate_limits
        self._console_log = self.data_dir / "synapse.console.log"
        self._files: SynapseFiles | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def server_name(self) -> str:
        return self._server_name

    @property
    def shared_secret(self) -> str:
        if self._files is None:
            raise RuntimeError("LocalSynapse is not started")
        return self._files.shared_secret

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def analyze(self) -> None:
        """Give SQLite the table statistics Synapse never gathers itself. Without them it reads
        a poll's 10,000 votes back in ~20 s instead of ~1 s: the edits lookup behind
        /relations walks the whole room once per event (seen on Synapse 1.163)."""
        database = self.data_dir / "homeserver.db"
        if database.exists():
            with contextlib.closing(sqlite3.connect(database)) as connection:
                connection.execute("ANALYZE")

    async def start(self) -> None:
        python = await asyncio.to_thread(ensure_synapse_venv, self.venv_dir)
        await asyncio.to_thread(self.analyze)
        files = self._files = write_synapse_config(
            self.data_dir,
            self.port,
            self._server_name,
            reuse=self._reuse,
            rate_limits=self._rate_limits,
        )
        with self._console_log.open("ab") as console:
            process = self._process = await asyncio.create_subprocess_exec(
                python,
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(files.config),
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid_file_of(self.data_dir).write_text(f"{process.pid}\n")
        session = self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_TIMEOUT
            poll = aiohttp.ClientTimeout(total=1)
            while process.returncode is None:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{self.base_url}/health", timeout=poll) as response:
                        if response.status == 200:
                            return
                if loop.time() > deadline:
                    raise TimeoutError(
                        f"Synapse did not answer /health within {START_TIMEOUT:.0f} s:\n"
                        f"{_tail(self._console_log)}\n{_tail(files.log)}"
                    )
                await asyncio.sleep(0.05)
            raise RuntimeError(
                f"Synapse exited with code {process.returncode} while starting:\n"
                f"{_tail(self._console_log)}\n{_tail(files.log)}"
            )
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        pid_file_of(self.data_dir).unlink(missing_ok=True)

    async def __aenter__(self) -> LocalSynapse:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def register_user(
        self,
        localpart: str,
        password: str,
        admin: bool = False,
        displayname: str | None = None,
    ) -> str:
        """Create a user through the shared-secret admin API; an existing user is not an error."""
        if self._session is None:
            raise RuntimeError("LocalSynapse is not started")
        user_id = f"@{localpart}:{self._server_name}"
        url = f"{self.base_url}/_synapse/admin/v1/register"
        async with self._session.get(url) as response:
            response.raise_for_status()
            nonce = (await response.json())["nonce"]
        message = b"\0".join(
            [
                nonce.encode(),
                localpart.encode(),
                password.encode(),
                b"admin" if admin else b"notadmin",
            ]
        )
        body: dict[str, Any] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": hmac.new(self.shared_secret.encode(), message, hashlib.sha1).hexdigest(),
        }
        if displayname is not None:
            body["displayname"] = displayname
        async with self._session.post(url, json=body) as response:
            result = await response.json()
            if response.status == 200 or result.get("errcode") == "M_USER_IN_USE":
                return user_id
            raise RuntimeError(f"registering {user_id} failed: {response.status} {result}")
