"""What every command shares: the error-to-one-line group, -d/--database, --json and output helpers."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import AlchemyError, Interrupted
from .terminal import echo
from .terminal import echo_json as echo_json  # re-exported: commands import it from here
from .terminal import echo_table as echo_table

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
F = TypeVar("F", bound=Callable[..., Any])


class AlchemyGroup(click.Group):
    """A click group that turns every expected failure into one line `Error: ...` and exit 1.

    Typed errors are meant for the user. A signal (SIGTERM, SIGHUP) exits with 128 + its number,
    as shells expect. SQLite and OS errors that escaped a typed error (a read on a vanished file,
    a full disk while writing an export) still get one line rather than a traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        _log_to_stderr()
        try:
            return super().invoke(ctx)
        except AlchemyError as exc:
            _fail(ctx, str(exc) or type(exc).__name__)
        except Interrupted as exc:
            _fail(
                ctx,
                f"{exc}: finished prompts are kept and unfinished phases are marked failed;"
                " run the same command again to resume",
                exc.exit_code,
            )
        except sqlite3.Error as exc:
            from ..store.connect import busy_timeout
            from ..store.sqlite_errors import translate

            _fail(ctx, str(translate(exc, None, busy_timeout())))
        except UnicodeEncodeError as exc:
            from ..store.sqlite_errors import encode_error

            _fail(ctx, str(encode_error(exc, "an argument or input")))
        except BrokenPipeError:
            raise  # `alchemy ... | head` closed the pipe: click ends quietly, as `head` expects
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            _fail(ctx, f"{exc.strerror or exc}{where}")


class _EchoHandler(logging.Handler):
    """Print alchemy_kit's log lines (a recovered crash, a read-only note) to stderr as they are."""

    def emit(self, record: logging.LogRecord) -> None:
        echo(record.getMessage(), err=True)


def _log_to_stderr() -> None:
    log = logging.getLogger("alchemy_kit")
    if not any(isinstance(h, _EchoHandler) for h in log.handlers):
        log.addHandler(_EchoHandler(logging.INFO))


def _fail(ctx: click.Context, message: str, code: int = 1) -> None:
    lines = message.splitlines()
    echo(f"Error: {lines[0] if lines else message}", err=True)
    ctx.exit(code)


def database_option(fn: F) -> F:
    """Add -d/--database (env ALCHEMY_DB) to a command."""
    return click.option(
        "-d",
        "--database",
        # No dir/exists checks here: open_store names the culprit, `-d x` or `$ALCHEMY_DB (x)`.
        type=click.Path(path_type=Path),
        envvar="ALCHEMY_DB",
        callback=_from_option_only,
        help="Database file (default: $ALCHEMY_DB, else ./data/alchemy.db when it exists, else the"
        " per-user one; `alchemy db path` shows which)",
    )(fn)


def _from_option_only(ctx: click.Context, param: click.Parameter, value: Path | None) -> Any:
    # A value click read from $ALCHEMY_DB is left to open_store, which reads it again and can then
    # say in errors that the environment, not -d, named the file.
    from click.core import ParameterSource

    if param.name and ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT:
        return None
    return value


def cluster_option(fn: F) -> F:
    """Add --cluster (env ALCHEMY_CLUSTER) to a command that can run on Dask."""
    return click.option(
        "--cluster",
        metavar="ADDRESS",
        help="Run on Dask: tcp://host:8786 (a running `dask scheduler`) or local:N (N worker"
        " processes here); default $ALCHEMY_CLUSTER, else in-process. Needs alchemy-kit[cluster]",
    )(fn)


def dashboard_echo(link: str) -> None:
    """Print the Dask dashboard's link when a command runs on a cluster."""
    echo(f"Dask dashboard: {link}")


def replay_options(fn: F) -> F:
    """--replay and --record/--no-record (every call to a real model is recorded by default)."""
    fn = click.option(
        "--record/--no-record",
        default=None,
        help="Record every call to a real model in model_calls (default: record)",
    )(fn)
    return click.option(
        "--replay",
        is_flag=True,
        default=None,
        help="Serve every model call from the recording: no network, no key (or ALCHEMY_REPLAY=1)",
    )(fn)


def json_option(fn: F) -> F:
    """Add --json to a data command."""
    return click.option("json_", "--json", is_flag=True, help="Output JSON")(fn)


def open_db(database: Path | None, *, create: bool = False) -> Any:
    """Open the store for a command; only commands that create on purpose pass create=True.

    A database created by this call is announced in one line on stderr.
    """
    from ..store import open_store, resolve

    store = open_store(database, create=create)
    if store.created:
        where = resolve(database)
        echo(f"Created a new database: {store.path} ({where.why})", err=True)
    return store


def echo_rows(
    rows: list[dict[str, Any]], columns: list[str], widths: dict[str, int] | None, json_: bool
) -> None:
    """A list command's rows: all of them as JSON with --json, else `columns` as a table."""
    if json_:
        echo_json(rows)
    else:
        echo_table(rows, columns, widths)


def request_json(req: Any, runs: list[Any], prompts: list[Any]) -> dict[str, Any]:
    """The --json shape of one request with its phase runs and prompts."""
    return {
        "request": req.as_dict(),
        "phase_runs": [pr.as_dict() for pr in runs],
        "prompts": [p.as_dict() for p in prompts],
    }


@contextmanager
def overwrite_option() -> Iterator[None]:
    """Word an output folder that is not empty in the CLI's terms (--overwrite, not overwrite=)."""
    from ..errors import ImportExportError, NotEmptyError

    try:
        yield
    except NotEmptyError as exc:
        raise ImportExportError(
            f"{exc.dest} is not empty; add --overwrite to replace {exc.what}"
        ) from None
