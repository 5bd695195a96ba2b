"""The `helpdesk` command: serve, worker, database, users, tokens and demo data."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import select

from helpdesk import services
from helpdesk.cli_access import add_token_commands, add_user_commands, duration_arg
from helpdesk.domain import SYSTEM, Priority, Role
from helpdesk.errors import HelpdeskError
from helpdesk.migrate import upgrade
from helpdesk.ports import SystemClock
from helpdesk.runtime import Runtime
from helpdesk.services.categories import save_category
from helpdesk.settings import Settings, load_settings
from helpdesk.tables import category_t, team_t, user_t

log = logging.getLogger("helpdesk")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run") and not hasattr(args, "run_in_runtime"):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        if settings.log_level != "DEBUG":
            # Alembic says "Context impl SQLiteImpl." on every command; `db upgrade` reports
            # the outcome itself. HELPDESK_LOG_LEVEL=DEBUG shows the migration chatter again.
            logging.getLogger("alembic").setLevel(logging.WARNING)
        if hasattr(args, "run_in_runtime"):
            # A component's command: `async def handler(rt, args) -> int`, run with a migrated
            # database and a runtime, so components never import this composition root.
            handler = args.run_in_runtime
            return with_runtime(settings, lambda rt: handler(rt, args))
        result: int = args.run(settings, args)
        return result
    except HelpdeskError as exc:
        print(f"helpdesk: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    from helpdesk.worker import components

    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__)
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="migrate the database and serve the web app and API")
    serve.add_argument("--demo", action="store_true", help="load demo data first (once)")
    serve.add_argument("--host", help="listen address (default HELPDESK_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default HELPDESK_PORT or 8000)")
    serve.set_defaults(run=_serve)

    worker = sub.add_parser("worker", help="run background jobs from Redis (HELPDESK_REDIS_URL)")
    worker.set_defaults(run=_worker)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    user = sub.add_parser("user", help="manage users").add_subparsers(title="user commands")
    add = user.add_parser("add", help="add an agent, supervisor, admin or bot")
    add.add_argument("--email", required=True)
    add.add_argument("--name", default="")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    add.add_argument("--team", action="append", default=[], help="team name (repeatable)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(run=_user_add)
    add_user_commands(user)

    token = sub.add_parser("token", help="API tokens").add_subparsers(title="token commands")
    create = token.add_parser("create", help="create a Bearer token for a user")
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="cli")
    create.add_argument(
        "--expires",
        type=duration_arg,
        help='valid for this long, e.g. "30d", "12h" (default: until revoked)',
    )
    create.set_defaults(run=_token_create)
    add_token_commands(token)

    team = sub.add_parser("team", help="teams").add_subparsers(title="team commands")
    team_add = team.add_parser("add", help="add a team")
    team_add.add_argument("name")
    team_add.add_argument("--email")
    team_add.set_defaults(run=_team_add)

    category = sub.add_parser("category", help="categories").add_subparsers(title="commands")
    cat_add = category.add_parser("add", help="add a category")
    cat_add.add_argument("slug")
    cat_add.add_argument("name")
    cat_add.add_argument("--parent", help="slug of the parent category")
    cat_add.add_argument("--team", help="default team name")
    cat_add.add_argument("--priority", choices=[p.value for p in Priority])
    cat_add.set_defaults(run=_category_add)

    sub.add_parser("demo", help="load demo data (once)").set_defaults(run=_demo)

    for component in components():
        if component.cli is not None:
            component.cli(sub)
    return parser


def with_runtime(
    settings: Settings, body: Callable[[Runtime], Awaitable[int]], *, migrate: bool = True
) -> int:
    """Migrate, build a runtime without background jobs, run `body`, close. For CLI commands."""
    from helpdesk.scheduling import InProcessScheduler
    from helpdesk.worker import assemble

    if migrate:
        upgrade(settings.database_url)

    async def run() -> int:
        scheduler = InProcessScheduler(SystemClock())
        rt = assemble(settings, scheduler=scheduler)
        try:
            return await body(rt)
        finally:
            # Let the after-commit jobs the command queued (SLA evaluation, deliveries) finish:
            # cancelling one mid-transaction would leave SQLite's write lock held, and its
            # work undone until something else touches the ticket.
            await scheduler.drain(limit=120)
            await scheduler.stop()
            await rt.close()

    return asyncio.run(run())


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from helpdesk.app import create_app
    from helpdesk.demo import ADMIN_EMAIL, ADMIN_PASSWORD, has_users, load_demo
    from helpdesk.serving import redact_access_log, uvicorn_options

    settings = settings.with_changes(
        host=args.host or settings.host, port=args.port or settings.port
    )
    # Take the port before anything else (migrations, mailbox polling, jobs): a busy port
    # fails at once, with nothing started.
    try:
        listener = _bind(settings.host, settings.port)
    except OSError as exc:
        print(
            f"helpdesk: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    upgrade(settings.database_url)

    async def prepare(rt: Runtime) -> int:
        if args.demo:
            demo = await load_demo(rt)
            if demo.created:
                print(f"Demo data loaded. Admin: {ADMIN_EMAIL} / {ADMIN_PASSWORD}")
                print(f"API token: {demo.admin_token}")
            else:
                print("Demo data already present. New token: "
                      f"helpdesk token create --email {ADMIN_EMAIL}")  # fmt: skip
        elif not await has_users(rt):
            print("No users yet. Create an admin and a token:\n"
                  "  helpdesk user add --email you@example.com --role admin --password-stdin\n"
                  "  helpdesk token create --email you@example.com")  # fmt: skip
        return 0

    with_runtime(settings, prepare, migrate=False)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Helpdesk on {base}  (sign in at {base}/, API: {base}/api/v1/tickets)")
    print(f"Data: {settings.data_dir}  Database: {_safe_url(settings.database_url)}")
    # Open live-update streams (the inbox's server-sent events) never finish on their own, so
    # shutdown closes them after a few seconds instead of waiting for every browser to leave.
    config = uvicorn.Config(
        create_app(settings), **uvicorn_options(settings), log_level="info",
        timeout_graceful_shutdown=5,
    )  # fmt: skip
    redact_access_log()
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, as uvicorn would open it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from helpdesk.worker import run_worker

    upgrade(settings.database_url)
    run_worker(settings)
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print(f"database at head: {_safe_url(settings.database_url)}")
    return 0


def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if args.password_stdin and not password:
        password = getpass.getpass("password: ")

    async def body(rt: Runtime) -> int:
        async with rt.stores() as store:
            team_ids = []
            for name in args.team:
                team_id = (
                    await store.execute(select(team_t.c.id).where(team_t.c.name == name))
                ).scalar_one_or_none()
                if team_id is None:
                    print(f"helpdesk: no team named {name!r}", file=sys.stderr)
                    return 2
                team_ids.append(int(team_id))
            user_id = await services.create_user(
                store,
                email=args.email,
                name=args.name,
                role=Role(args.role),
                password=password,
                team_ids=tuple(team_ids),
                actor=SYSTEM,
                via="cli",
            )
        print(f"user {user_id} {args.email.strip().lower()} ({args.role}) created")
        return 0

    return with_runtime(settings, body)


def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    async def body(rt: Runtime) -> int:
        async with rt.stores() as store:
            user_id = (
                await store.execute(select(user_t.c.id).where(user_t.c.email == args.email.lower()))
            ).scalar_one_or_none()
            if user_id is None:
                print(f"helpdesk: no user {args.email}", file=sys.stderr)
                return 2
            expires_at = rt.clock.now() + args.expires if args.expires else None
            token = await services.create_token(
                store, int(user_id), args.name, expires_at=expires_at, actor=SYSTEM, via="cli"
            )
        print(token)
        return 0

    return with_runtime(settings, body)


def _team_add(settings: Settings, args: argparse.Namespace) -> int:
    async def body(rt: Runtime) -> int:
        async with rt.stores() as store:
            team_id = await services.create_team(
                store, args.name, email=args.email, actor=SYSTEM, via="cli"
            )
        print(f"team {team_id} {args.name} created")
        return 0

    return with_runtime(settings, body)


def _category_add(settings: Settings, args: argparse.Namespace) -> int:
    async def body(rt: Runtime) -> int:
        async with rt.stores() as store:
            parent_id = team_id = None
            if args.parent:
                parent_id = (
                    await store.execute(
                        select(category_t.c.id).where(category_t.c.slug == args.parent)
                    )
                ).scalar_one_or_none()
                if parent_id is None:
                    print(f"helpdesk: no category {args.parent!r}", file=sys.stderr)
                    return 2
            if args.team:
                team_id = (
                    await store.execute(select(team_t.c.id).where(team_t.c.name == args.team))
                ).scalar_one_or_none()
                if team_id is None:
                    print(f"helpdesk: no team named {args.team!r}", file=sys.stderr)
                    return 2
            saved = await save_category(
                store,
                None,
                slug=args.slug,
                name=args.name,
                parent_id=parent_id,
                default_team_id=team_id,
                default_priority=args.priority,
                actor=SYSTEM,
                via="cli",
            )
        print(f"category {saved.id} {args.slug} created")
        return 0

    return with_runtime(settings, body)


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from helpdesk.demo import ADMIN_EMAIL, ADMIN_PASSWORD, load_demo

    async def body(rt: Runtime) -> int:
        demo = await load_demo(rt)
        if demo.created:
            print(f"Demo data loaded. Admin: {ADMIN_EMAIL} / {ADMIN_PASSWORD}")
            print(f"API token: {demo.admin_token}")
        else:
            print("Demo data already present.")
        return 0

    return with_runtime(settings, body)


if __name__ == "__main__":
    sys.exit(main())
