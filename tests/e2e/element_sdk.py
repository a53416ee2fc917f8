"""Element's own SDK for the tests: matrix-js-sdk with its Rust crypto, pinned in
`jsclient/package-lock.json`, installed by `npm ci` into `jsclient/node_modules` (gitignored)
the first time and whenever the lock file changed, and its client script run under Node."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLIENT_DIR = Path(__file__).parent / "jsclient"
SCRIPT = CLIENT_DIR / "element_client.mjs"
LOCK_FILE = CLIENT_DIR / "package-lock.json"
# Written after a complete `npm ci`: the hash of the lock file it installed.
STAMP = CLIENT_DIR / "node_modules" / ".installed-lock-sha256"
NODE_MAJOR = 20


def node() -> str:
    """The `node` on PATH, checked to be new enough for the pinned SDK."""
    found = shutil.which("node")
    if found is None:
        raise RuntimeError(f"Node.js ≥ {NODE_MAJOR} is needed for the Element SDK tests")
    version = subprocess.run(
        [found, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < NODE_MAJOR:
        raise RuntimeError(f"Node.js ≥ {NODE_MAJOR} is needed, found {version} at {found}")
    return found


def ensure_installed() -> None:
    """`npm ci` unless the installed packages are those of the lock file. Several test
    processes may ask at once: one installs, the others wait for it (a file lock)."""
    wanted = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    with (CLIENT_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if STAMP.exists() and STAMP.read_text() == wanted:
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install the Element SDK (tests/e2e/jsclient)")
        node()
        print("Installing matrix-js-sdk for the Element SDK tests (npm ci)…", file=sys.stderr)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENT_DIR,
            check=True,
            stdout=sys.stderr,
        )
        STAMP.write_text(wanted)


@dataclass
class ClientRun:
    """What the Element client reported, one dict per line, and its log (stderr)."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["kind"] == kind]


async def run_client(arguments: dict[str, Any], log: Path, within: float) -> ClientRun:
    """Runs the client script to its end; fails with its log if it fails or overruns."""
    run = ClientRun()
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            node(),
            str(SCRIPT),
            json.dumps(arguments),
            cwd=CLIENT_DIR,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
        assert process.stdout is not None
        code: int | str = f"no end within {within} s"
        try:
            async with asyncio.timeout(within):
                async for raw in process.stdout:
                    run.lines.append(json.loads(raw))
                code = await process.wait()
        except TimeoutError:
            pass
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
    run.log = await asyncio.to_thread(log.read_text, errors="replace")
    assert code == 0, f"the Element client: {code}; it saw {run.lines}\n{run.log[-4000:]}"
    return run
