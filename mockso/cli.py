"""The ``mockso`` command: ``serve`` the mock, list its ``routes``.

Every ``serve`` option is also a ``MOCKSO_*`` environment variable (the option wins); options a
user leaves out are not passed on, so the environment and the defaults in ``config`` decide.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Sequence
from typing import Any

import click

from mockso import __version__
from mockso.app import create_app
from mockso.app import get_mock
from mockso.config import AUTH_MODES
from mockso.config import Settings
from mockso.contract import Contract
from mockso.server import Server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockso")
def cli() -> None:
    """A contract-driven, stateful mock of the SuperOffice WebAPI image endpoints."""


@cli.command()
@click.option(
    "--contract",
    type=click.Path(exists=True, dir_okay=False),
    help="OpenAPI contract (default: the bundled image contract).",
)
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080; 0 picks a free one).")
@click.option(
    "--seed", type=int, help="Seed for generated data (default: random, printed at start)."
)
@click.option(
    "--clock", help="'system', 'frozen' or an ISO instant (default: frozen when --seed is given)."
)
@click.option(
    "--timezone", help="Zone of dates when a client sends no SO-TimeZone (default Europe/Oslo)."
)
@click.option("--auth", type=click.Choice(AUTH_MODES), help="Credential checks (default lenient).")
@click.option(
    "--credentials",
    type=click.Path(exists=True, dir_okay=False),
    help="Users, tickets and tokens for --auth strict.",
)
@click.option(
    "--fixtures", type=click.Path(exists=True, dir_okay=False), help="Which entity ids exist."
)
@click.option("--max-upload", type=int, help="Largest body in bytes (default 20 MB).")
@click.option("--max-store-bytes", type=int, help="Cap on stored picture bytes (default 512 MB).")
@click.option("--max-pixels", type=int, help="Largest picture in pixels (default 40,000,000).")
@click.option("--strict/--no-strict", default=None, help="Check every answer against the contract.")
@click.option("--threads", type=int, help="Worker threads (default 16).")
def serve(**options: Any) -> None:
    """Serve the mock until interrupted (Ctrl-C or SIGTERM)."""
    try:
        settings = Settings.load(options)
        app = create_app(settings)
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error)) from error
    server = Server(app, settings.host, settings.port, settings.threads)
    try:
        server.bind()
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {error}"
        ) from error
    mock = get_mock(app)
    click.echo(
        f"mockso {__version__} serving {len(mock.contract)} operations of {mock.contract.source} "
        f"on {server.url} (seed {mock.seed}, auth {settings.auth})"
    )
    signal.signal(signal.SIGTERM, _exit)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.serve_forever()
    click.echo("mockso stopped")


@cli.command()
@click.option(
    "--contract",
    type=click.Path(exists=True, dir_okay=False),
    help="OpenAPI contract (default: the bundled image contract).",
)
def routes(contract: str | None) -> None:
    """List the operations of the contract: method, path, operationId."""
    try:
        loaded = Contract.from_path(contract)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    width = max(len(op.path) for op in loaded)
    for op in loaded:
        click.echo(f"{op.method:<7} {op.path:<{width}}  {op.operation_id}")


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``mockso`` console script and ``python -m mockso``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="mockso")


if __name__ == "__main__":  # pragma: no cover
    main()
