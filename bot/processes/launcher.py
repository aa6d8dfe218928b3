"""Start the services behind the bot, wait until each answers, and stop them all together.

`make run` runs `python -m bot.processes.launcher`; `make chat` runs it with `--shell`. The same `Stack` starts the
servers of the end-to-end tests on free ports, so the tests exercise exactly what users run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.settings import positive, read, text

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models" / "ipdesk.tar.gz"


@dataclass(frozen=True)
class Settings:
    """Where the services listen and keep their data; the defaults are what `make run` uses."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    console_port: int = 8080
    #: The public web chat (bot/channels/webchat), apart from the staff console.
    webchat_port: int = 8081
    model: Path = DEFAULT_MODEL
    #: The model the Rasa servers load when it is not `model`: the one a retraining job swapped in last, when that
    #: is newer than `model` (`serving_model`, from the desk's database). `model` stays what `make model` builds.
    serving_model: Path | None = None
    var_dir: Path = ROOT / "var"
    #: Rasa's HTTP API (used by the desk worker to deliver experts' answers) answers only with this token.
    #: From IPDESK_RASA_TOKEN, else a fresh random one per run: the API is never open without one.
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    #: The secret the Rasa server sends with every call to the action server, which refuses any call without it.
    #: From IPDESK_ACTIONS_TOKEN, else a fresh random one per run.
    actions_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    #: The desk's database, and on PostgreSQL also the conversations (Rasa's SQL tracker store); SQLite files under
    #: `var_dir` when unset.
    database_url: str | None = None
    #: Redis for Rasa's lock store, so that several Rasa servers take turns on one conversation; unset, each Rasa
    #: server keeps its locks in memory (one server only).
    redis_url: str | None = None
    #: Prefix of the lock store's keys in Redis (letters and digits), so that installations can share a Redis.
    redis_prefix: str = "ipdesk"
    #: The action server the Rasa server calls, when not this stack's own (e.g. nginx in front of several).
    action_endpoint: str | None = None
    #: Serve the bot on Telegram too: only `from_environment` turns it on (IPDESK_TELEGRAM_BOT_TOKEN is set), so a
    #: Settings built in code — the tests' — never reaches a real bot.
    telegram: bool = False
    #: Serve the WeChat Official Account too: likewise only from the environment (IPDESK_WECHAT_APP_ID is set).
    wechat: bool = False

    @classmethod
    def from_environment(cls) -> "Settings":
        env = os.environ
        defaults = cls()
        return cls(
            host=text(env, "IPDESK_HOST") or cls.host,
            rasa_port=read(env, "IPDESK_RASA_PORT", positive(int), cls.rasa_port),
            actions_port=read(env, "IPDESK_ACTIONS_PORT", positive(int), cls.actions_port),
            console_port=read(env, "IPDESK_CONSOLE_PORT", positive(int), cls.console_port),
            webchat_port=read(env, "IPDESK_WEBCHAT_PORT", positive(int), cls.webchat_port),
            model=Path(text(env, "IPDESK_MODEL") or DEFAULT_MODEL),
            var_dir=Path(text(env, "IPDESK_VAR_DIR") or ROOT / "var"),
            rasa_token=text(env, "IPDESK_RASA_TOKEN") or defaults.rasa_token,
            actions_token=text(env, "IPDESK_ACTIONS_TOKEN") or defaults.actions_token,
            database_url=text(env, "IPDESK_DATABASE_URL"),
            redis_url=text(env, "IPDESK_REDIS_URL"),
            redis_prefix=text(env, "IPDESK_REDIS_PREFIX") or cls.redis_prefix,
            action_endpoint=text(env, "IPDESK_ACTION_ENDPOINT"),
            telegram=bool(text(env, "IPDESK_TELEGRAM_BOT_TOKEN")),
            wechat=bool(text(env, "IPDESK_WECHAT_APP_ID")),
        )

    def environment(self) -> dict[str, str]:
        """What every service process is started with: where the others are, the tokens, the desk database. The
        tokens travel in the environment, never on a command line (which every user of the machine can read)."""
        env = {
            **os.environ,
            "IPDESK_RASA_TOKEN": self.rasa_token,
            "IPDESK_RASA_URL": self.rasa_url,
            "IPDESK_ACTIONS_TOKEN": self.actions_token,
            "RASA_TELEMETRY_ENABLED": "false",
        }
        env["IPDESK_DATABASE_URL"] = self.database_url or f"sqlite:///{self.var_dir / 'desk.db'}"
        if self.redis_url:
            env["IPDESK_REDIS_URL"] = self.redis_url
            env["IPDESK_REDIS_PREFIX"] = self.redis_prefix  # the lock store's and the REST channel's rate limits' keys
            password = urlsplit(self.redis_url).password
            if password:
                env[REDIS_PASSWORD_VARIABLE] = unquote(password)
        return env

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def console_url(self) -> str:
        return f"http://{self.host}:{self.console_port}"

    @property
    def webchat_url(self) -> str:
        return f"http://{self.host}:{self.webchat_port}"

    @property
    def tracker_on_postgresql(self) -> bool:
        return bool(self.database_url) and make_url(self.database_url).get_backend_name() == "postgresql"

    def endpoints_file(self) -> Path:
        """endpoints.yml with this run's action server, tracker store and lock store filled in.

        Secrets stay out of the file: on PostgreSQL the tracker store's URL is `${IPDESK_DATABASE_URL}`, a Redis password
        `${IPDESK_REDIS_PASSWORD}` and the action server's token `${IPDESK_ACTIONS_TOKEN}` (sent as a bearer token with
        every action call), which Rasa fills in from its environment when it reads the file.
        """
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = self.action_endpoint or f"{self.actions_url}/webhook"
        endpoints["action_endpoint"]["headers"] = {"Authorization": "Bearer ${IPDESK_ACTIONS_TOKEN}"}
        if self.tracker_on_postgresql:
            endpoints["tracker_store"] = {"type": "SQL", "dialect": "postgresql", "url": "${IPDESK_DATABASE_URL}"}
        else:
            endpoints["tracker_store"]["db"] = str(self.var_dir / "tracker.db")
        if self.redis_url:
            endpoints["lock_store"] = redis_lock_store(self.redis_url, self.redis_prefix)
        self.prepare_var_dir()
        path = self.var_dir / f"endpoints-{self.rasa_port}.yml"
        path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
        return path

    def prepare_var_dir(self) -> None:
        """`var_dir` readable by this user only, and the SQLite databases in it created so (0600) before any process
        opens them: they hold conversations and contacts. The services are started with umask 077 as well."""
        private_directory(self.var_dir)
        files = [self.var_dir / "tracker.db"] if not self.tracker_on_postgresql else []
        desk = make_url(self.environment()["IPDESK_DATABASE_URL"])
        if desk.get_backend_name() == "sqlite" and desk.database:
            files.append(Path(desk.database))
        for path in files:
            private_file(path)


def private_directory(path: Path) -> None:
    """Make `path` (and its missing parents) a directory only its owner can read."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)


def private_file(path: Path) -> None:
    """Create `path` if missing, readable and writable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


REDIS_PASSWORD_VARIABLE = "IPDESK_REDIS_PASSWORD"


def redis_lock_store(redis_url: str, prefix: str) -> dict[str, Any]:
    """The lock store for `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS): Rasa's RedisLockStore
    with atomic lock changes (bot/runtime/lock_store.py), which takes Rasa's settings."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"IPDESK_REDIS_URL must look like redis://host:6379/0, not {redis_url!r}")
    if not prefix.isalnum():
        raise ValueError(f"the Redis key prefix must be letters and digits, not {prefix!r}")
    store: dict[str, Any] = {
        "type": "bot.runtime.lock_store.AtomicRedisLockStore",
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
        "key_prefix": prefix,
        "use_ssl": parts.scheme == "rediss",
    }
    if parts.username:
        store["username"] = parts.username
    if parts.password:
        store["password"] = "${" + REDIS_PASSWORD_VARIABLE + "}"
    return store


@dataclass
class Service:
    name: str
    command: list[str]
    #: Answers 200 once the service is ready; None for a worker with no HTTP side (ready once started).
    health_url: str | None
    env: dict[str, str] | None = field(default=None, repr=False)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def started(self) -> subprocess.Popen:
        """The service's process (it has been started)."""
        assert self.process is not None, f"{self.name} was not started"
        return self.process

    def healthy(self) -> bool:
        if self.health_url is None:
            return self.process is not None and self.process.poll() is None
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False


def _rasa(*args: str) -> list[str]:
    return [sys.executable, "-m", "rasa", *args]


def action_server(settings: Settings) -> Service:
    """rasa-sdk's action server behind the shared secret (bot/runtime/action_server.py), on the configured interface."""
    command = [
        sys.executable,
        "-m",
        "bot.runtime.action_server",
        "--actions",
        "actions",
        "--host",
        settings.host,
        "--port",
        str(settings.actions_port),
    ]
    return Service("action server", command, f"{settings.actions_url}/health", settings.environment())


def rasa_server(settings: Settings) -> Service:
    command = [  # Rasa's `rasa run`, with bot/runtime/server.py's fixes applied in the process
        sys.executable,
        "-m",
        "bot.runtime.server",
        "run",
        "--model",
        str(settings.serving_model or settings.model),
        "--interface",
        settings.host,
        "--port",
        str(settings.rasa_port),
        "--endpoints",
        str(settings.endpoints_file()),
        "--credentials",
        str(ROOT / "credentials.yml"),
        "--enable-api",  # the API's token comes from IPDESK_RASA_TOKEN in the environment (bot/runtime/server.py)
    ]
    return Service("Rasa server", command, f"{settings.rasa_url}/", settings.environment())


def desk_worker(settings: Settings) -> Service:
    """Delivers the outbox (experts' answers, warnings, reminders) into the conversations that live in Rasa."""
    return Service("desk worker", [sys.executable, "-m", "bot.processes.worker"], None, settings.environment())


def scheduler(settings: Settings) -> Service:
    """The time-based work (bot/processes/scheduler.py): SLA checks, follow-ups, trade-fair reminders, warning expiry."""
    return Service("scheduler", [sys.executable, "-m", "bot.processes.scheduler"], None, settings.environment())


def telegram_worker(settings: Settings) -> Service:
    """Serves the bot on Telegram (bot/channels/telegram): its token and mode come from the IPDESK_TELEGRAM_* environment."""
    env = {**settings.environment(), "IPDESK_VAR_DIR": str(settings.var_dir)}
    return Service("Telegram worker", [sys.executable, "-m", "bot.channels.telegram"], None, env)


def wechat_worker(settings: Settings) -> Service:
    """Serves the WeChat Official Account (bot/channels/wechat): its ids and secrets come from IPDESK_WECHAT_*."""
    env = {**settings.environment(), "IPDESK_VAR_DIR": str(settings.var_dir)}
    return Service("WeChat worker", [sys.executable, "-m", "bot.channels.wechat"], None, env)


def trainer(settings: Settings, rasa_servers: list[str] | None = None) -> Service:
    """The retraining runner (bot/processes/trainer.py): trains, evaluates and swaps models into `rasa_servers` (this
    stack's Rasa server unless given), one job at a time, as editors request them in the console."""
    env = {
        **settings.environment(),
        "IPDESK_MODEL": str(settings.model),
        "IPDESK_RASA_SERVERS": ",".join(rasa_servers or [settings.rasa_url]),
    }
    return Service("trainer", [sys.executable, "-m", "bot.processes.trainer"], None, env)


def console(settings: Settings) -> Service:
    """The hotline console (bot/console) for staff, experts and admins, in a browser."""
    env = {
        **settings.environment(),
        "IPDESK_CONSOLE_HOST": settings.host,
        "IPDESK_CONSOLE_PORT": str(settings.console_port),
    }
    return Service("console", [sys.executable, "-m", "bot.console", "serve"], f"{settings.console_url}/health", env)


def webchat(settings: Settings) -> Service:
    """The public web chat (bot/channels/webchat): the chat page, the widget and the visitors' signed sessions."""
    env = {
        **settings.environment(),
        "IPDESK_WEBCHAT_HOST": settings.host,
        "IPDESK_WEBCHAT_PORT": str(settings.webchat_port),
        "IPDESK_VAR_DIR": str(settings.var_dir),
    }
    return Service("webchat", [sys.executable, "-m", "bot.channels.webchat"], f"{settings.webchat_url}/health", env)


def all_services(settings: Settings) -> list[Service]:
    services = [
        action_server(settings),
        rasa_server(settings),
        desk_worker(settings),
        scheduler(settings),
        console(settings),
        webchat(settings),
        trainer(settings),
    ]
    if settings.telegram:
        services.append(telegram_worker(settings))
    if settings.wechat:
        services.append(wechat_worker(settings))
    return services


class Stack:
    """A group of services started together and stopped together; a service that dies while starting stops the
    rest (`serve` restarts one that dies later)."""

    def __init__(self, services: list[Service], *, log_dir: Path | None = None) -> None:
        self.services = services
        self.log_dir = log_dir

    def start(self, timeout: float = 180.0) -> None:
        for service in self.services:
            self._spawn(service)
        deadline = time.monotonic() + timeout
        for service in self.services:
            self._wait(service, deadline, timeout)

    def restart(self, service: Service, timeout: float = 180.0) -> None:
        """Start `service` again after it stopped (or was stopped), and wait until it answers."""
        if service.process is not None and service.process.poll() is None:
            raise RuntimeError(f"{service.name} is still running")
        self._spawn(service)
        self._wait(service, time.monotonic() + timeout, timeout)

    def respawn(self, service: Service) -> None:
        """Start a stopped `service` again without waiting for it (the launcher's restart after a crash)."""
        self._spawn(service)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def _spawn(self, service: Service) -> None:
        output = None
        if self.log_dir is not None:
            private_directory(self.log_dir)
            log_file = self.log_dir / f"{service.name.replace(' ', '-')}.log"
            private_file(log_file)  # logs name senders and tickets: the owner's only
            output = open(log_file, "ab")  # noqa: SIM115
        service.process = subprocess.Popen(
            service.command,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            env=service.env,
            start_new_session=True,
            umask=0o077,  # what the services create is private too
        )

    def _wait(self, service: Service, deadline: float, timeout: float) -> None:
        while not service.healthy():
            if service.started.poll() is not None:
                self.stop()
                raise RuntimeError(f"{service.name} exited with code {service.started.returncode} while starting")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{service.name} did not answer {service.health_url} within {timeout:.0f} s")
            time.sleep(0.5)

    def failed(self) -> Service | None:
        return next((s for s in self.services if s.process is not None and s.process.poll() is not None), None)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM every service's process group, then SIGKILL whatever is still there after `grace` seconds."""
        running = [s for s in self.services if s.process is not None and s.process.poll() is None]
        for service in running:
            _signal_group(service.started, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in running:
            try:
                service.started.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(service.started, signal.SIGKILL)
                service.started.wait()

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def prepare_desk(settings: Settings) -> str:
    """Create the desk's tables and, on an empty desk, the illustrative sample pool and warnings; says what it did."""
    from bot.clock import SystemClock
    from bot.desk.expert_import import seed_sample_pool
    from bot.desk.risk_warnings import Warnings
    from bot.desk.services import open_database
    from bot.settings import DeskSettings

    settings.prepare_var_dir()
    database = open_database(DeskSettings.from_environment(settings.environment()), schema=False)
    try:
        database.create_schema()
        with database.sessions.begin() as session:
            report = seed_sample_pool(session)
        samples = Warnings(database.sessions, SystemClock(), database.settings).seed_samples()
    finally:
        database.engine.dispose()
    if samples is not None and samples.errors:
        raise RuntimeError("the sample warnings are invalid:\n" + "\n".join(map(str, samples.errors)))
    warned = (
        f"; {len(samples.published)} illustrative sample warnings added (bot/desk/data/warnings.yml)" if samples else ""
    )
    if report is None:
        return "desk: using the experts already in the database" + warned
    if report.errors:
        raise RuntimeError("the sample expert pool is invalid:\n" + "\n".join(map(str, report.errors)))
    return (
        f"desk: empty, so the {len(report.created)} illustrative sample experts were added (bot/desk/data/experts.yml)"
        + warned
    )


def serving_model(settings: Settings) -> Path | None:
    """The model a retraining job swapped in last, when the Rasa servers should load it instead of `settings.model`
    (bot/desk/retraining.py, `Retraining.serving_model`); None: `settings.model`. The desk must exist."""
    from bot.clock import SystemClock
    from bot.desk.retraining import Retraining
    from bot.desk.services import open_database
    from bot.settings import DeskSettings

    database = open_database(DeskSettings.from_environment(settings.environment()), schema=False)
    try:
        serving = Retraining(database.sessions, SystemClock()).serving_model(settings.model)
    finally:
        database.engine.dispose()
    return serving if serving != settings.model else None


def with_serving_model(settings: Settings) -> Settings:
    """`settings` with the model the Rasa servers load, said on the console when it is a swapped-in one."""
    serving = serving_model(settings)
    if serving is not None:
        print(f"model: {serving} (swapped in by a retraining job, newer than {settings.model})", flush=True)
    return dataclasses.replace(settings, serving_model=serving)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def _banner(settings: Settings) -> str:
    webhook = f"{settings.rasa_url}/webhooks/rest/webhook"
    return (
        f"\nip-helpdesk is up.\n"
        f"  REST channel:   POST {webhook}\n"
        f'  try:            curl -s -d \'{{"sender":"me","message":"有哪些海外知识产权保险"}}\' {webhook}\n'
        f"  action server:  {settings.actions_url}\n"
        f"  console:        {settings.console_url}/  (first time: python -m bot.console create-admin admin)\n"
        f'  web chat:       {settings.webchat_url}/  (embed: <script src="{settings.webchat_url}/widget.js">)\n'
        f"  conversations:  {'Rasa tracker store on IPDESK_DATABASE_URL' if settings.tracker_on_postgresql else settings.var_dir / 'tracker.db'}\n"
        f"  locks:          {'Redis (IPDESK_REDIS_URL)' if settings.redis_url else 'in the Rasa server (one server)'}\n"
        f"  desk:           {settings.environment()['IPDESK_DATABASE_URL']}\n"
        f"  Telegram:       {'serving the bot (IPDESK_TELEGRAM_BOT_TOKEN is set)' if settings.telegram else 'off (set IPDESK_TELEGRAM_BOT_TOKEN to serve the bot there)'}\n"
        f"  WeChat:         {'serving the account (IPDESK_WECHAT_APP_ID is set)' if settings.wechat else 'off (set IPDESK_WECHAT_* to serve an Official Account)'}\n"
        f"Press Ctrl-C to stop.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the ip-helpdesk services until Ctrl-C.")
    parser.add_argument("--shell", action="store_true", help="talk to the bot in this terminal (rasa shell)")
    args = parser.parse_args(argv)
    settings = Settings.from_environment()
    if not settings.model.exists():
        print(f"No trained model at {settings.model}: run `make run` (it trains one) or `make model`.", file=sys.stderr)
        return 2

    if args.shell:
        prepare_desk(settings)
        settings = with_serving_model(settings)
        with Stack([action_server(settings), desk_worker(settings), scheduler(settings)]):
            model = settings.serving_model or settings.model
            command = _rasa("shell", "--model", str(model), "--endpoints", str(settings.endpoints_file()))
            return subprocess.call(command, cwd=ROOT, env=settings.environment())

    print(prepare_desk(settings), flush=True)
    settings = with_serving_model(settings)
    stack = Stack(all_services(settings))
    print(
        "starting the action server, the Rasa server, the desk worker, the scheduler, the console, the web chat, the trainer"
        f"{' and the Telegram worker' if settings.telegram else ''} (loading the model takes a while)…",
        flush=True,
    )
    try:
        stack.start()
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stack.stop()
        return 130

    return serve(stack, _banner(settings))


#: A service that stops after start-up is started again after 1, 2, 4 … seconds, at most a minute apart; one that
#: then runs for `RESTART_RESET_SECONDS` is counted as healthy again.
RESTART_BASE_SECONDS, RESTART_MAX_SECONDS, RESTART_RESET_SECONDS = 1.0, 60.0, 120.0


def serve(stack: Stack, banner: str, stop: threading.Event | None = None) -> int:
    """Keep a started `stack` running until Ctrl-C or SIGTERM (or `stop`), then stop it (exit code 0).

    A service that stops meanwhile is started again with backoff, each time with a line on stderr: one channel's
    crash (the Telegram worker on an update it cannot read, say) must not stop the others. Only a failure to start
    (`Stack.start`) stops everything."""
    if stop is None:
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(banner, flush=True)
    failures: dict[str, int] = {}
    due: dict[str, float] = {}
    started: dict[str, float] = {s.name: time.monotonic() for s in stack.services}
    while not stop.is_set():
        now = time.monotonic()
        for service in stack.services:
            process = service.process
            if process is None:
                continue
            if process.poll() is None:
                if now - started.get(service.name, now) > RESTART_RESET_SECONDS:
                    failures.pop(service.name, None)
                continue
            if service.name not in due:
                delay = min(RESTART_MAX_SECONDS, RESTART_BASE_SECONDS * 2 ** failures.get(service.name, 0))
                print(
                    f"{service.name} stopped (exit code {process.returncode}); starting it again in {delay:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                due[service.name] = now + delay
            elif now >= due[service.name]:
                del due[service.name]
                failures[service.name] = failures.get(service.name, 0) + 1
                started[service.name] = now
                stack.respawn(service)
                print(f"{service.name} started again (restart {failures[service.name]})", file=sys.stderr, flush=True)
        stop.wait(0.5)
    print("\nstopping…", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
