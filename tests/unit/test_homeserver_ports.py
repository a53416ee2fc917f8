"""The local homeserver's port: a quick restart keeps the preferred port, a taken one is left,
and a Synapse left running by a killed demo is stopped first."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.homeserver import choose_port, pid_file_of, port_is_free, stop_leftover


def _listening() -> socket.socket:
    server = socket.socket()
    # As Twisted listens (and so Synapse): its connections inherit the option.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def test_a_listening_port_is_taken() -> None:
    with _listening() as server:
        assert not port_is_free(server.getsockname()[1])


def test_a_port_whose_server_just_stopped_is_free() -> None:
    # The side that closes first keeps the connection in TIME_WAIT, as a stopped Synapse does.
    server = _listening()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()
    server.close()
    client.recv(1)
    client.close()
    assert port_is_free(port)


async def test_the_preferred_port_when_free() -> None:
    assert await choose_port(8008, is_free=lambda port: True) == 8008


async def test_waits_for_the_preferred_port_to_come_free() -> None:
    checks: list[int] = []

    def free_on_third_look(port: int) -> bool:
        checks.append(port)
        return len(checks) >= 3

    assert await choose_port(8008, wait=5.0, interval=0.01, is_free=free_on_third_look) == 8008
    assert checks == [8008, 8008, 8008]


async def test_another_port_when_the_preferred_stays_taken() -> None:
    with _listening() as server:
        taken = server.getsockname()[1]
        chosen = await choose_port(taken, wait=0.1, interval=0.02)
    assert chosen != taken
    assert chosen > 0


@pytest.mark.parametrize("wait", [0.0, 0.05])
async def test_gives_up_after_the_wait(wait: float) -> None:
    looks: list[int] = []

    def never(port: int) -> bool:
        looks.append(port)
        return False

    chosen = await choose_port(8008, wait=wait, interval=0.01, is_free=never)
    assert chosen != 8008
    assert 1 <= len(looks) <= 20


def test_a_leftover_synapse_of_the_data_dir_is_stopped(tmp_path: Path) -> None:
    config = tmp_path / "homeserver.yaml"
    # Stands in for `python -m synapse.app.homeserver -c <data dir>/homeserver.yaml`.
    leftover = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "-c", str(config)],
        start_new_session=True,
    )
    pid_file_of(tmp_path).write_text(f"{leftover.pid}\n")
    try:
        # A leftover has long been running; this one must have exec'd its command line first.
        cmdline = Path(f"/proc/{leftover.pid}/cmdline")
        deadline = time.monotonic() + 5
        while str(config).encode() not in cmdline.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stop_leftover(tmp_path)
        assert leftover.wait(timeout=5) is not None
        assert not pid_file_of(tmp_path).exists()
    finally:
        leftover.kill()
        leftover.wait()


def test_a_pid_of_another_process_is_left_alone(tmp_path: Path) -> None:
    pid_file_of(tmp_path).write_text(f"{os.getpid()}\n")
    assert not stop_leftover(tmp_path)
    assert not pid_file_of(tmp_path).exists()
    assert not stop_leftover(tmp_path)
