"""The ``closeknit`` command: a thin layer over the library.

Each command lives in :mod:`closeknit.present.commands` (one module per command or family) and
exposes ``COMMANDS``, a list of click commands; this module collects them. Library errors
(:class:`closeknit.core.errors.CloseknitError`) become one-line messages and non-zero exits; so
does anything else that reaches the CLI (an OS, DuckDB or zip error: one line, and the traceback
with ``--debug``).

Before any command runs, the process umask is made owner-only and scratch folders left by
killed imports are swept; SIGTERM ends a command as Ctrl-C does, so its scratch folder goes too.
"""

from __future__ import annotations

import errno
import importlib
import os
import pkgutil
import signal
import zipfile
import zlib

import click

from closeknit import __version__
from closeknit.core.duck import interrupted
from closeknit.core.errors import CloseknitError
from closeknit.core.private import owner_only
from closeknit.core.scratch import sweep_stale_scratch
from closeknit.present.safe import clean

__all__ = ["main", "cli", "describe_unexpected"]


def describe_unexpected(e: BaseException) -> str:
    """One line for an error no library function turned into a :class:`CloseknitError`."""
    first = clean(str(e).strip().splitlines()[0]) if str(e).strip() else type(e).__name__
    if isinstance(e, MemoryError):
        return "out of memory; close other programs or import the archive's parts one by one"
    if isinstance(e, OSError):
        where = f" ({clean(e.filename)})" if e.filename else ""
        if e.errno == errno.ENOSPC:
            return f"no space left on the device{where}: free some space (or set TMPDIR for scratch files) and retry"
        return f"{e.strerror or first}{where}"
    if isinstance(e, (zipfile.BadZipFile, zlib.error)):  # zlib: a member's deflate data is damaged
        return f"a zip archive is damaged ({first}); re-download the export"
    mod = type(e).__module__ or ""
    if mod.startswith(("duckdb", "_duckdb")):
        if "No space left" in first or "disk is full" in first.lower():
            return f"no space left for the store ({first}): free some space and retry; the store is as it was"
        if type(e).__name__ == "OutOfMemoryException":  # DuckDB's memory_limit reached, even after spilling
            return (f"the database engine ran out of memory ({first}): close other programs, or give it more "
                    "(closeknit pairs --memory-limit)")
        return f"the store reported: {first}. If this persists, run closeknit doctor"
    return f"unexpected {type(e).__name__}: {first} (please report it; --debug shows the details)"


def _interrupted(ctx: click.Context) -> None:
    """Ctrl-C: one line, exit 130. An import keeps every source it finished (each is one transaction);
    what other commands leave is said where they are documented (``pairs --events``: no output)."""
    click.echo("Interrupted; nothing was written for the unfinished source." if ctx.invoked_subcommand == "import"
               else "Interrupted.", err=True)
    ctx.exit(130)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug")) or bool(os.environ.get("CLOSEKNIT_DEBUG"))
        try:
            return super().invoke(ctx)
        except CloseknitError as e:
            if debug:
                raise
            click.echo(f"Error: {clean(e)}", err=True)
            ctx.exit(e.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            _interrupted(ctx)
        except Exception as e:  # the last resort: one line, the traceback only with --debug
            if interrupted(e):  # Ctrl-C while DuckDB ran a query
                _interrupted(ctx)
            if debug:
                raise
            click.echo(f"Error: {describe_unexpected(e)}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="closeknit")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error (also: CLOSEKNIT_DEBUG=1).")
def cli(debug: bool) -> None:
    """How close are your online relationships, really?

    closeknit reads the archives you can download from the services you use, puts everyone on
    one timeline and measures each relationship. Everything stays on this machine.

    \b
    Start with:  closeknit demo
    Then:        closeknit import ~/Downloads/twitter-2026.zip
                 closeknit people
    """
    owner_only()  # the store, its WAL, scratch folders, every output file: owner-only
    sweep_stale_scratch()


def _load_commands() -> None:
    from closeknit.present import commands

    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        for cmd in getattr(module, "COMMANDS", []):
            cli.add_command(cmd)


_load_commands()


def _terminate(signum, frame) -> None:
    # SIGTERM ends a command the way Ctrl-C does: the open transaction is rolled back and the
    # scratch folder removed on the way out (kill -9 cannot be caught: the next command sweeps)
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="closeknit")


if __name__ == "__main__":  # pragma: no cover
    main()
