"""The ``mockso`` command: ``serve`` the mock, list its ``routes``, ``contract build`` one.

Every ``serve`` option is also a ``MOCKSO_*`` environment variable (the option wins); options a
user leaves out are not passed on, so the environment and the defaults in ``config`` decide.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import yaml

from mockso.app import create_app
from mockso.app import get_mock
from mockso.core.config import AUTH_MODES
from mockso.core.config import REQUEST_MODES
from mockso.core.config import Settings
from mockso.core.contract import Contract
from mockso.core.mock import Mock
from mockso.core.persistence import Keeper
from mockso.core.version import __version__
from mockso.web.logs import AccessLines
from mockso.web.server import Server
from mockso.web.server import keep_large_buffers_off_the_heap


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mockso")
def cli() -> None:
    """A contract-driven, stateful mock of the SuperOffice WebAPI image endpoints."""


@cli.command()
@click.option(
    "--contract",
    "contracts",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="OpenAPI contract; repeat to serve several at once (default: the bundled one).",
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
@click.option(
    "--requests",
    type=click.Choice(REQUEST_MODES),
    help="Read requests as the real server does, noting each leniency (lenient, the default), "
    "or by the contract's letter (strict).",
)
@click.option("--threads", type=int, help="Threads that run the app (default 64).")
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificate: serve https, and HTTP/2 to clients that ask (needs --tls-key).",
)
@click.option(
    "--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key of --tls-cert."
)
@click.option(
    "--quiet/--no-quiet", default=None, help="No access log (one JSON line per request on stderr)."
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False),
    help="Keep the state in this file across restarts (read at start, kept current).",
)
def serve(**options: Any) -> None:
    """Serve the mock until interrupted (Ctrl-C or SIGTERM)."""
    proxying = options.pop("proxying", False)  # `mockso proxy` runs this too
    contracts = options.pop("contracts")
    options["contract"] = ",".join(contracts) if contracts else None
    try:
        settings = Settings.load(options)
        _check_target(settings, proxying)
        app = create_app(settings)
        keeper = Keeper.open(get_mock(app), settings.state_file) if settings.state_file else None
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error)) from error
    lines = None
    if not settings.quiet:
        _log_to_stderr()
        lines = get_mock(app).access_lines = AccessLines()  # stderr
    keep_large_buffers_off_the_heap()
    try:
        server = Server(
            app,
            settings.host,
            settings.port,
            settings.threads,
            tls_cert=settings.tls_cert,
            tls_key=settings.tls_key,
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    try:
        server.bind()
    except OSError as error:
        if keeper is not None:
            keeper.close()
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {error}"
        ) from error
    mock = get_mock(app)
    doing = f"proxying {settings.target} as" if proxying else "serving"
    click.echo(
        f"mockso {__version__} {doing} {len(mock.contract)} operations of {mock.contract.source} "
        f"on {server.url} (seed {mock.seed}, auth {settings.auth}, requests {settings.requests})"
    )
    if keeper is not None:
        click.echo(f"state kept in {keeper.path} ({keeper.summary()})")
    signal.signal(signal.SIGTERM, _exit)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.serve_forever()
    if keeper is not None:
        keeper.close()  # the last changes, before saying "stopped"
    _write_reports(mock)
    if lines is not None:
        lines.close()
    click.echo("mockso stopped")


def _check_target(settings: Settings, proxying: bool) -> None:
    if proxying and not settings.target:
        raise ValueError("mockso proxy needs --target URL (or MOCKSO_TARGET)")
    if not proxying and (settings.target or settings.record or settings.drift_report):
        raise ValueError(
            "MOCKSO_TARGET, MOCKSO_RECORD and MOCKSO_DRIFT_REPORT are for `mockso proxy`; "
            "unset them to serve the mock"
        )


def _write_reports(mock: Mock) -> None:
    """On exit: the drift report and the recording, and what the recording could not hold."""
    try:
        unrecorded = mock.write_reports()
    except OSError as error:
        click.echo(f"mockso: cannot write a report: {error}", err=True)
        return
    if mock.settings.drift_report:
        click.echo(f"drift report written to {mock.settings.drift_report}")
    if mock.recording is not None:
        click.echo(f"recording written to {mock.recording.path}")
    for item in unrecorded:
        click.echo(f"not recorded: {item['entity']} {item['id']}: {item['reason']}", err=True)


def _proxy(**options: Any) -> None:
    serve.callback(**options, proxying=True)  # type: ignore[misc]


# The same server options as `serve`, whatever they are, plus the proxy's own.
proxy = click.Command(
    "proxy",
    callback=_proxy,
    params=[
        click.Option(
            ["--target"],
            help="The server to pass every call to, e.g. https://sod.superoffice.com/Cust12345.",
        ),
        click.Option(
            ["--drift-report"],
            type=click.Path(dir_okay=False),
            help="Write the drift report here as JSON on exit.",
        ),
        click.Option(
            ["--record"],
            type=click.Path(dir_okay=False),
            help="Keep what passes as a mockso-state/1 file (written on exit and on flush).",
        ),
        *serve.params,
    ],
    help="Pass every call to --target and report where its answers drift from the contract.",
)
cli.add_command(proxy)


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


@click.group()
def contract() -> None:
    """Make contracts from SuperOffice's REST reference pages."""


@contract.command("build")
@click.argument("pages", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here (default: stdout)."
)
@click.option(
    "--merge",
    "existing",
    type=click.Path(exists=True, dir_okay=False),
    help="Add the pages' operations to this contract (its other operations are kept).",
)
def contract_build(pages: tuple[str, ...], output: str | None, existing: str | None) -> None:
    """Build an OpenAPI 3.0.3 contract from reference pages (markdown or plain text)."""
    # Imported here: the builder's modules would add ~60 ms to every `mockso serve` start.
    from mockso.build.builder import BuildError
    from mockso.build.builder import build
    from mockso.build.builder import dump
    from mockso.build.builder import read_pages
    from mockso.build.pages import PageError

    try:
        found, skipped = read_pages(pages)
        for message in skipped:  # not reference pages at all: say so, build from the rest
            click.echo(f"warning: {message}", err=True)
        base = _read_yaml(existing) if existing else None
        text = dump(build(found, base))
    except (PageError, BuildError, OSError) as error:
        raise click.ClickException(str(error)) from error
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _read_yaml(path: str) -> dict[str, Any]:
    from mockso.build.builder import BuildError

    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BuildError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise BuildError(f"{path}: a contract is a mapping at the top level")
    return document


cli.add_command(contract)


def _log_to_stderr() -> None:
    """mockso's log records (the access log's JSON lines, errors) as bare lines on stderr."""
    logger = logging.getLogger("mockso")
    if any(getattr(handler, "mockso", False) for handler in logger.handlers):
        return  # serve ran before in this process (tests): one handler is enough
    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.mockso = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``mockso`` console script and ``python -m mockso``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="mockso")


if __name__ == "__main__":  # pragma: no cover
    main()
