"""The scaled-out layout on one machine: several Rasa servers and action servers behind nginx, on PostgreSQL and Redis.

`python -m bot.processes.cluster up` starts, with IPDESK_DATABASE_URL (PostgreSQL) and IPDESK_REDIS_URL set:

- two action servers and two Rasa servers (`--actions N`, `--rasa N`) on loopback ports; every Rasa server keeps
  its conversations in Rasa's SQL tracker store on IPDESK_DATABASE_URL and takes its turn on a conversation through
  Rasa's Redis lock store, so any of them can carry any conversation;
- nginx (Debian's package, deploy/nginx/ipdesk.conf) in front: the public chat entry (`--port`, 5005) spread over
  the Rasa servers, the services' entry for Rasa's API beside it, and the action servers' entry the Rasa servers
  call, so that a stopped server of either kind is skipped;
- the desk worker and the console, on the same database, talking to Rasa through nginx;
- the retraining runner (bot/processes/trainer.py), which swaps a new model into each Rasa server directly (a
  model loaded through nginx would reach only one of them).

The same `Stack` runs it for `make bench` and the scale-out and fault tests. `python -m bot.processes.cluster nginx-conf`
prints the nginx configuration for servers on other machines (README, "Production").
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.processes.launcher import (
    ROOT,
    Service,
    Settings,
    Stack,
    action_server,
    console,
    desk_worker,
    prepare_desk,
    rasa_server,
    serve,
    telegram_worker,
    trainer,
    with_serving_model,
)

NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "ipdesk.conf"
#: Messages a second one client address may send through nginx's chat entry, and the burst beyond that.
CHAT_RATE, CHAT_BURST = 30, 60


@dataclass(frozen=True)
class Layout:
    """Where each part of the scaled-out layout listens; `base` carries the shared settings (databases, token)."""

    base: Settings
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    #: nginx: the public chat entry, the services' entry to Rasa's API, the action servers' entry.
    public_port: int
    internal_port: int
    actions_entry_port: int
    #: nginx's limit per client address on the chat entry (`limit_req`): messages a second, and the burst beyond.
    #: The benchmark and the scale-out tests drive the layout from one address, so they raise it.
    chat_rate: int = CHAT_RATE
    chat_burst: int = CHAT_BURST
    nginx_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        if not self.base.tracker_on_postgresql or not self.base.redis_url:
            raise ValueError(
                "the scaled-out layout needs IPDESK_DATABASE_URL on PostgreSQL and IPDESK_REDIS_URL: several Rasa "
                "servers must share their conversations and their locks"
            )
        object.__setattr__(self, "nginx_dir", self.base.var_dir / "nginx")

    @property
    def host(self) -> str:
        return self.base.host

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.public_port}"

    @property
    def internal_url(self) -> str:
        return f"http://{self.host}:{self.internal_port}"

    def rasa_settings(self, port: int) -> Settings:
        return dataclasses.replace(
            self.base, rasa_port=port, action_endpoint=f"http://{self.host}:{self.actions_entry_port}/webhook"
        )

    def action_settings(self, port: int) -> Settings:
        return dataclasses.replace(self.base, actions_port=port)

    def services_settings(self) -> Settings:
        """What the desk worker, the console and the Telegram worker get: Rasa is nginx's services' entry."""
        return dataclasses.replace(self.base, rasa_port=self.internal_port)


def nginx_conf(
    rasa: list[str],
    actions: list[str],
    *,
    public_listen: str,
    internal_listen: str,
    actions_listen: str,
    chat_rate: int = CHAT_RATE,
    chat_burst: int = CHAT_BURST,
) -> str:
    """deploy/nginx/ipdesk.conf with its servers and listening addresses filled in."""

    def servers(addresses: list[str]) -> str:
        if not addresses:
            raise ValueError("nginx needs at least one server of each kind")
        return "\n".join(f"    server {address} max_fails=1 fail_timeout=10s;" for address in addresses)

    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for name, value in {
        "rasa_servers": servers(rasa),
        "action_servers": servers(actions),
        "public_listen": public_listen,
        "internal_listen": internal_listen,
        "actions_listen": actions_listen,
        "chat_rate": str(chat_rate),
        "chat_burst": str(chat_burst),
    }.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def nginx(layout: Layout) -> Service:
    """nginx in the foreground with a configuration of its own under var/nginx (pid, logs and temporary files
    there too), so it never touches the machine's own nginx."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise FileNotFoundError("nginx is not installed: `make nginx` installs Debian's package")
    directory = layout.nginx_dir
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    host = layout.host
    (directory / "ipdesk.conf").write_text(
        nginx_conf(
            [f"{host}:{port}" for port in layout.rasa_ports],
            [f"{host}:{port}" for port in layout.action_ports],
            public_listen=f"{host}:{layout.public_port}",
            internal_listen=f"{host}:{layout.internal_port}",
            actions_listen=f"{host}:{layout.actions_entry_port}",
            chat_rate=layout.chat_rate,
            chat_burst=layout.chat_burst,
        ),
        encoding="utf-8",
    )
    (directory / "nginx.conf").write_text(
        "# Written by bot/processes/cluster.py for `python -m bot.processes.cluster up`; the servers are in ipdesk.conf.\n"
        f"pid {directory}/nginx.pid;\n"
        f"error_log {directory}/logs/error.log warn;\n"
        "worker_processes 1;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    access_log off;\n"
        + "".join(
            f"    {kind}_temp_path {directory}/tmp-{kind};\n"  # noqa: S108 — under the layout's own directory
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {directory}/ipdesk.conf;\n"
        "}\n",
        encoding="utf-8",
    )
    command = [binary, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-g", "daemon off;"]
    return Service("nginx", command, f"{layout.public_url}/health")


def cluster_services(layout: Layout) -> list[Service]:
    """Every process of the layout, in the order they start (each waits for the ones before to answer)."""
    services = [
        _named(action_server(layout.action_settings(port)), f"action server {port}") for port in layout.action_ports
    ]
    services += [_named(rasa_server(layout.rasa_settings(port)), f"Rasa server {port}") for port in layout.rasa_ports]
    for service in services:
        if service.env is not None:  # behind nginx every client has nginx's address: nginx limits per address
            service.env["IPDESK_REST_ADDRESS_BURST"] = "0"
    services.append(nginx(layout))
    shared = layout.services_settings()
    rasa_urls = [f"http://{layout.host}:{port}" for port in layout.rasa_ports]
    services += [desk_worker(shared), console(shared), trainer(shared, rasa_urls)]  # each server gets a new model
    if shared.telegram:
        services.append(telegram_worker(shared))
    return services


def _named(service: Service, name: str) -> Service:
    service.name = name
    return service


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the layout on this machine until Ctrl-C")
    up.add_argument("--rasa", type=int, default=2, help="Rasa servers (default 2)")
    up.add_argument("--actions", type=int, default=2, help="action servers (default 2)")
    up.add_argument("--port", type=int, default=5005, help="the public chat entry (default 5005)")
    conf = commands.add_parser("nginx-conf", help="print the nginx configuration for servers on other machines")
    conf.add_argument("--rasa", required=True, help="Rasa servers, host:port,host:port")
    conf.add_argument("--actions", required=True, help="action servers, host:port,host:port")
    conf.add_argument("--listen", default="80", help="the public chat entry (default 80)")
    conf.add_argument("--internal", default="127.0.0.1:5004", help="the services' entry (default 127.0.0.1:5004)")
    conf.add_argument("--actions-listen", default="127.0.0.1:5054", help="the action servers' entry")
    conf.add_argument(
        "--rate", type=int, default=CHAT_RATE, help=f"messages a second per client address (default {CHAT_RATE})"
    )
    conf.add_argument("--burst", type=int, default=CHAT_BURST, help=f"the burst beyond that (default {CHAT_BURST})")
    args = parser.parse_args(argv)

    if args.command == "nginx-conf":
        print(
            nginx_conf(
                args.rasa.split(","),
                args.actions.split(","),
                public_listen=args.listen,
                internal_listen=args.internal,
                actions_listen=args.actions_listen,
                chat_rate=args.rate,
                chat_burst=args.burst,
            ),
            end="",
        )
        return 0

    base = Settings.from_environment()
    print(prepare_desk(base), flush=True)
    base = with_serving_model(base)
    layout = Layout(
        base,
        rasa_ports=tuple(range(5101, 5101 + args.rasa)),
        action_ports=tuple(range(5151, 5151 + args.actions)),
        public_port=args.port,
        internal_port=5004,
        actions_entry_port=5054,
    )
    stack = Stack(cluster_services(layout), log_dir=base.var_dir / "logs")
    print(
        f"starting {args.actions} action servers, {args.rasa} Rasa servers, nginx, the desk worker, the console and the trainer…",
        flush=True,
    )
    try:
        stack.start(timeout=300)
    except (RuntimeError, TimeoutError) as error:
        print(f"could not start: {error} (logs in {base.var_dir / 'logs'})", file=sys.stderr)
        return 1
    return serve(
        stack,
        f"\nip-helpdesk is up behind nginx: POST {layout.public_url}/webhooks/rest/webhook\nPress Ctrl-C to stop.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
