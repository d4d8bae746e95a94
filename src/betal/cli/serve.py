"""``betal serve`` (web app + in-process worker) and ``betal worker`` (job worker only)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
import uvicorn
from rich.console import Console

from betal import logging as betal_logging
from betal.cli.common import container, load_settings

console = Console()


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    no_worker: bool = typer.Option(False, "--no-worker", help="do not run a job worker in this process"),
    demo: bool = typer.Option(
        False, "--demo", help="seed a demo organisation, users, customers and suppliers"
    ),
) -> None:
    """Run the web app (API, portal, payer inbox, sandbox providers) and, unless --no-worker, a worker."""
    from betal.api.app import create_app
    from betal.jobs.worker import Worker

    settings = load_settings()
    betal_logging.configure(settings.log_level)
    with container() as c:
        if demo:
            from betal.services.demo import seed_demo, seed_demo_customers, seed_demo_suppliers

            with c.uow() as uow:
                logins = seed_demo(uow, c.hasher)
            with c.uow() as uow:
                payer = seed_demo_customers(uow, c.cipher)
                seed_demo_suppliers(uow)
            _print_logins(logins, payer, host, port)
        stop = threading.Event()
        thread = None
        if not no_worker:
            thread = threading.Thread(
                target=Worker(c, name="serve").run, args=(stop,), daemon=True, name="worker"
            )
            thread.start()
        try:
            uvicorn.run(create_app(c), host=host, port=port, log_config=None, proxy_headers=True)
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=10)


def worker(
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64, help="jobs run at once (threads)"),
) -> None:
    """Run a job worker until SIGTERM/SIGINT; any number of workers may share one PostgreSQL."""
    from betal.jobs.worker import Worker

    settings = load_settings()
    betal_logging.configure(settings.log_level)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with container() as c:
        Worker(c, concurrency=concurrency).run(stop)


def _print_logins(logins: list[tuple[str, str, str]], payer: str, host: str, port: int) -> None:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    console.rule("[bold]betal demo")
    console.print(f"Portal:       http://{shown}:{port}/app/login")
    console.print(f"API docs:     http://{shown}:{port}/docs")
    for role, email, password in logins:
        console.print(f"{role:<13} {email}  password: {password}")
    console.print(f"Payer inbox:  http://{shown}:{port}/inbox  as {payer}")
    console.print(f"              (the login code is in http://{shown}:{port}/app/dev/mailbox)")
    console.rule()
