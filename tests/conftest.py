"""Shared fixtures: the knowledge base, the trained model, and a running stack on free ports."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "ipdesk.tar.gz"


@pytest.fixture(scope="session")
def kb():
    from knowledge import KnowledgeBase

    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run the tests with `make test`, which trains it")
    return MODEL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory):
    """The action server and the Rasa server, started as `make run` starts them, on free ports."""
    from bot.launcher import Settings, Stack, action_server, rasa_server

    var_dir = tmp_path_factory.mktemp("var")
    settings = Settings(rasa_port=free_port(), actions_port=free_port(), model=trained_model, var_dir=var_dir)
    stack = Stack([action_server(settings), rasa_server(settings)], log_dir=var_dir / "logs")
    try:
        stack.start(timeout=240)
    except (RuntimeError, TimeoutError) as error:
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in (var_dir / "logs").glob("*.log"))
        pytest.fail(f"{error}\n{logs}")
    yield settings
    stack.stop()
