"""Shared fixtures: the knowledge base, the trained model, and a running stack on free ports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers.databases import MigratedDatabases
from tests.helpers.stack import free_port, stack_settings, start_or_fail

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


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory):
    """The action server, the Rasa server and the desk worker, started as `make run` starts them, on free ports."""
    from bot.processes.launcher import Stack, all_services, prepare_desk

    var_dir = tmp_path_factory.mktemp("var")
    settings = stack_settings(trained_model, var_dir)
    prepare_desk(settings)
    services = all_services(settings)
    for service in services:  # a session ends after 40 events (about seven turns) instead of 200, to see it happen
        assert service.env is not None
        service.env["IPDESK_SESSION_MAX_EVENTS"] = "40"
        # Every test talks from 127.0.0.1: a per-address limit the suite stays under, which a flood still exceeds.
        service.env["IPDESK_REST_ADDRESS_BURST"] = "100"
        service.env["IPDESK_REST_ADDRESS_PER_MINUTE"] = "600"
        service.env["IPDESK_WEBCHAT_ADDRESS_BURST"] = "200"  # the web chat's browsers, all on 127.0.0.1 too
        service.env["IPDESK_WEBCHAT_ADDRESS_PER_MINUTE"] = "1000"
    stack = Stack(services, log_dir=var_dir / "logs")
    start_or_fail(stack, var_dir / "logs", 240)
    yield settings
    stack.stop()


@pytest.fixture()
def stack_desk(stack):
    """The desk the running stack's services use, opened from the test as the console would open it."""
    from bot.clock import SystemClock
    from bot.desk.db import make_engine, sessions
    from bot.desk.tickets import Desk
    from bot.settings import DeskSettings

    settings = DeskSettings(database_url=stack.environment()["IPDESK_DATABASE_URL"])
    engine = make_engine(settings.database_url)
    yield Desk(sessions(engine), SystemClock(), settings)
    engine.dispose()


# --- The escalation desk (bot/desk/tickets.py and friends): every test that uses `desk_engine` runs twice, on a SQLite
# file and on PostgreSQL, each in a database of its own.

import uuid  # noqa: E402
from datetime import datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

DESK_START = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday, desk open


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory):
    """The desk's schema migrated once per test process, handed to each test empty (tests/helpers/databases.py)."""
    databases = MigratedDatabases(tmp_path_factory.mktemp("desk-templates"))
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def desk_engine(request, tmp_path, migrated_databases):
    """A fresh desk database at the newest schema: a SQLite file, or an emptied PostgreSQL schema of this test
    process's own."""
    with migrated_databases.database(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture(scope="session")
def desk_vocabulary():
    from knowledge.vocabulary import load_vocabulary

    return load_vocabulary()


@pytest.fixture()
def desk_sessions(desk_engine):
    from bot.desk.db import sessions

    return sessions(desk_engine)


@pytest.fixture()
def desk_clock():
    from bot.clock import ManualClock

    return ManualClock(DESK_START)


@pytest.fixture()
def desk_settings():
    from bot.settings import DeskSettings

    return DeskSettings(database_url="unused: the tests hand the desk its sessions")


@pytest.fixture()
def desk(desk_sessions, desk_clock, desk_settings, desk_vocabulary):
    from bot.desk.tickets import Desk

    return Desk(desk_sessions, desk_clock, desk_settings, vocabulary=desk_vocabulary)


@pytest.fixture()
def add_expert(desk_sessions, desk_clock):
    """add_expert(name, **fields) -> id: put an expert in the pool (defaults: zh, available, cap 3, e-mail)."""
    from bot.desk.schema import Expert

    def add(name: str, **fields) -> int:
        values = dict(
            ip_types=["专利"],
            countries=["美国"],
            industries=[],
            languages=["zh"],
            available=True,
            max_open_cases=3,
            show_name=True,
            email=f"{uuid.uuid4().hex[:8]}@example.org",
        )
        values.update(fields)
        with desk_sessions.begin() as session:
            expert = Expert(name=name, created_at=desk_clock.now(), updated_at=desk_clock.now(), **values)
            session.add(expert)
            session.flush()
            return expert.id

    return add


# --- The hotline console (bot/console): a real server on a loopback port over the parametrised desk database.


@pytest.fixture()
def console_context(desk_engine, desk_clock, desk_settings):
    """The console's services over the test database and manual clock. Its Rasa URL points at a closed port, so the
    suggestion comes from the text search alone; tests of the NLU suggestion use `console_with_nlu`."""
    from bot.console.config import ConsoleSettings
    from bot.console.context import ConsoleContext

    settings = ConsoleSettings(port=free_port(), rasa_url=f"http://127.0.0.1:{free_port()}", rasa_token="unused")
    return ConsoleContext.build(settings, desk_settings, engine=desk_engine, clock=desk_clock)


@pytest.fixture()
def console(console_context):
    from tests.helpers.console import ConsoleServer

    server = ConsoleServer(console_context, console_context.settings.port).start()
    yield server
    server.stop()


@pytest.fixture()
def console_user(console_context):
    """console_user(username, role, expert_id=None) -> id: an account with the harness's password."""
    from tests.helpers.console import PASSWORD

    def create(username: str, role: str = "staff", *, expert_id: int | None = None, name: str | None = None) -> int:
        user = console_context.accounts.create_user(
            username, name or username, role, PASSWORD, expert_id=expert_id, actor_name="test"
        )
        return user.id

    return create


@pytest.fixture()
def browser_client(console):
    """A fresh HTTP client of the console (no session yet)."""
    from tests.helpers.console import ConsoleClient

    return ConsoleClient(console.url)


# --- The channel workers' inboxes (bot/channels/inbox.py), each a SQLite file of its own.


@pytest.fixture()
def telegram_inbox(tmp_path):
    from bot.channels.telegram.inbox import Inbox

    inbox = Inbox(f"sqlite:///{tmp_path / 'telegram-inbox.db'}")
    yield inbox
    inbox.close()


@pytest.fixture()
def wechat_inbox(tmp_path):
    from bot.channels.wechat.inbox import Inbox

    inbox = Inbox(f"sqlite:///{tmp_path / 'wechat-inbox.db'}")
    yield inbox
    inbox.close()


# --- Servers of their own for the scale-out and fault tests (`make test-slow`), which stop and restart them.


@pytest.fixture(scope="session")
def scratch_postgres():
    from bench.scratch import ScratchPostgres

    with ScratchPostgres(durable=False) as server:
        yield server


@pytest.fixture(scope="session")
def scratch_redis():
    from bench.scratch import ScratchRedis

    with ScratchRedis() as server:
        yield server


# --- Markers: `stack` for every test that needs the trained model or a running stack (`make test-fast` leaves them
# out). A test is marked by what it uses: the trained model (and so every stack started on it) or a running console;
# the test files that start Rasa or make in processes of their own mark themselves (pytestmark).

STACK_FIXTURES = {"trained_model", "stack", "console"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if STACK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.stack)


def _file_markers(path: Path) -> set[str]:
    """The markers a test file puts on all its tests (`pytestmark = pytest.mark.x` or a list of them)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return set()  # let the collection report it
    markers: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            for part in ast.walk(node.value):
                if (
                    isinstance(part, ast.Attribute)
                    and isinstance(part.value, ast.Attribute)
                    and part.value.attr == "mark"
                ):
                    markers.add(part.attr)
    return markers


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A file whose every test the marker expression leaves out is not imported at all.

    `make test-fast` deselects `stack` and `make test` deselects `slow`; some of those files import Rasa (and with it
    TensorFlow), seconds of CPU in every process for tests that will not run.
    """
    expression = config.getoption("markexpr") or ""
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_") or not expression:
        return None
    left_out = {marker for marker in ("stack", "slow") if f"not {marker}" in expression}
    return True if left_out & _file_markers(collection_path) else None
