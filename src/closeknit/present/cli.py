"""The ``closeknit`` command: a thin layer over the library.

Each command lives in :mod:`closeknit.present.commands` (one module per command or family) and
exposes ``COMMANDS``, a list of click commands; this module collects them. Library errors
(:class:`closeknit.core.errors.CloseknitError`) become one-line messages and non-zero exits.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from closeknit import __version__
from closeknit.core.errors import CloseknitError

__all__ = ["main", "cli"]


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except CloseknitError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written for the unfinished source.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="closeknit")
def cli() -> None:
    """How close are your online relationships, really?

    closeknit reads the archives you can download from the services you use, puts everyone on
    one timeline and measures each relationship. Everything stays on this machine.

    \b
    Start with:  closeknit demo
    Then:        closeknit import ~/Downloads/twitter-2026.zip
                 closeknit people
    """


def _load_commands() -> None:
    from closeknit.present import commands

    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        for cmd in getattr(module, "COMMANDS", []):
            cli.add_command(cmd)


_load_commands()


def main() -> None:
    cli(prog_name="closeknit")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
