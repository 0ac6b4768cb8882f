"""`alchemy serve` and `alchemy publish`: browse the store in Datasette, or bundle it to deploy."""

from __future__ import annotations

from pathlib import Path

import click

from .common import CONTEXT, database_option, open_db, overwrite_option


@click.command(name="serve", context_settings=CONTEXT)
@database_option
@click.option("--host", default=None, help="Address to listen on (default: 127.0.0.1)")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port to listen on")
@click.option(
    "--public",
    is_flag=True,
    help="For a server others can reach: turn arbitrary SQL off (needs an explicit --host)",
)
@click.option(
    "--sql-time-limit-ms",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Time limit for any one SQL query",
)
@click.option("-o", "--open", "open_browser", is_flag=True, help="Open the store in a browser")
@click.option("--get", "get_path", default=None, help="Fetch this path, print it and exit")
def serve(
    database: Path | None,
    host: str | None,
    port: int,
    public: bool,
    sql_time_limit_ms: int,
    open_browser: bool,
    get_path: str | None,
) -> None:
    """Browse the store in Datasette with our metadata, plugins and lineage pages.

    Serves the live file read-only: rows written meanwhile (notebooks, `alchemy generate`) show up
    on the next page load. Binds to 127.0.0.1 unless --host says otherwise; with --public only
    table pages, facets, search and the canned queries run, never arbitrary SQL.
    """
    from ..datasette import serve as ds_serve

    bind = ds_serve.check_host(host, public)
    if not public and not ds_serve.is_loopback(bind):
        click.echo(
            f"Warning: {bind} may be reachable from other machines and anyone who can reach it "
            "can run any SELECT; add --public to turn arbitrary SQL off",
            err=True,
        )
    store = open_db(database)  # creates and migrates the file if needed
    path = store.path
    store.close()
    if path is None:
        raise click.ClickException("alchemy serve needs a database file, not :memory:")
    settings = ds_serve.ServeSettings(public=public, sql_time_limit_ms=sql_time_limit_ms)
    ds = ds_serve.build_datasette(path, settings)
    if get_path is not None:
        status, body = ds_serve.get(ds, get_path)
        click.echo(body)
        if status != 200:
            click.echo(f"GET {get_path}: HTTP {status}", err=True)
        raise SystemExit(0 if status == 200 else 1)
    _check_port(bind, port)  # before "Serving … at …": a taken port is the only line then
    name = ds_serve.database_name(path)
    mode = "public: arbitrary SQL off" if public else "arbitrary read-only SQL on"
    click.echo(f"Serving {path} at http://{bind}:{port}/{name} ({mode}); Ctrl-C to stop")
    ds_serve.run(ds, bind, port, open_browser)


@click.command(name="publish", context_settings=CONTEXT)
@click.argument("out", type=click.Path(path_type=Path))
@database_option
@click.option("--overwrite", is_flag=True, help="Replace OUT if it already holds files")
@click.option(
    "--allow-sql",
    is_flag=True,
    help="Let visitors of the published site run arbitrary SELECTs (off by default)",
)
def publish(out: Path, database: Path | None, overwrite: bool, allow_sql: bool) -> None:
    """Write a self-contained read-only Datasette bundle of the store into OUT.

    OUT gets the database (WAL checkpointed), metadata.json, our plugin under plugins/, and the
    exact command lines: serve.sh (datasette serve -i) and publish.sh (datasette publish).
    """
    from ..datasette.publish import publish as write_bundle
    from ..datasette.serve import ServeSettings
    from ..store import default_path

    source = database or default_path()
    with overwrite_option():
        bundle = write_bundle(
            source, out, settings=ServeSettings(public=not allow_sql), overwrite=overwrite
        )
    click.echo(f"Wrote {bundle.out}/ ({bundle.database.name}, metadata.json, plugins/)")
    click.echo(f"Serve it:   {bundle.out}/serve.sh   # datasette serve -i …")
    click.echo(f"Deploy it:  {bundle.out}/publish.sh cloudrun --service NAME")


def _check_port(host: str, port: int) -> None:
    """Fail in one line when something already listens on host:port."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            # As uvicorn binds: SO_REUSEADDR passes a port in TIME_WAIT, not one being listened on.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {host}:{port}: {exc.strerror or exc} (another server is there?"
            " pick another port with -p)"
        ) from None
