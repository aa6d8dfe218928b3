"""Free ports, and a stack that comes up or fails the test with the end of each service's log."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_or_fail(stack: Any, log_dir: Path, timeout: float) -> None:
    """Start `stack`; if it does not come up, fail the test with the end of each service's log."""
    try:
        stack.start(timeout=timeout)
    except (RuntimeError, TimeoutError) as error:
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(log_dir.glob("*.log")))
        pytest.fail(f"{error}\n{logs}")


def stack_settings(model: Path, var_dir: Path, **overrides: Any) -> Any:
    """The launcher's settings for a stack of this test run: every service on a free port, data under `var_dir`."""
    from bot.processes.launcher import Settings

    ports = dict(rasa_port=free_port(), actions_port=free_port(), console_port=free_port(), webchat_port=free_port())
    return Settings(**{**ports, "model": model, "var_dir": var_dir, **overrides})
