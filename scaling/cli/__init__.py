"""The ``scaling`` command line: a thin layer that parses, calls the library, prints.

Subcommands live in ``scaling/cli/cmd_*.py``; each module exports ``COMMANDS``, a
list of click commands, and is discovered here, so adding a command touches no
shared file. ``scaling NAME`` imports only ``cmd_NAME`` when that module defines
``NAME`` (so a command pays for its own imports only); ``--help`` imports them all. Bad input (:class:`scaling.errors.ScalingError`) and file-system errors
(``OSError``: a missing, unreadable or unwritable path) become one ``error: ...`` line
on stderr and exit code 2. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import pkgutil
import sys
from importlib import import_module

import click

from scaling import __version__
from scaling.errors import ScalingError

EXIT_USAGE = 2


class ScalingGroup(click.Group):
    """A click group that discovers ``cmd_*`` modules and turns errors into exit code 2."""

    def _load(self, module_name: str) -> None:
        """Import one ``cmd_*`` module (once) and add its commands."""
        loaded = self.__dict__.setdefault("_loaded", set())
        if module_name in loaded:
            return
        loaded.add(module_name)
        module = import_module(f"{__name__}.{module_name}")
        for command in getattr(module, "COMMANDS", []):
            self.add_command(command)

    def _modules(self) -> list[str]:
        pkg = sys.modules[__name__]
        return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__) if info.name.startswith("cmd_"))

    def _discover(self) -> None:
        """Import every ``cmd_*`` module (for ``--help`` and unknown names)."""
        for module_name in self._modules():
            self._load(module_name)

    def list_commands(self, ctx):
        self._discover()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        # ``scaling NAME`` imports ``cmd_NAME`` alone when it defines NAME: a query pays only for
        # its own command's imports (``scaling optimal`` never loads pandas through ``compare``).
        # Any other name falls back to importing every module.
        module_name = "cmd_" + str(name).replace("-", "_")
        if name not in self.commands and module_name in self._modules():
            self._load(module_name)
        if name not in self.commands:
            self._discover()
        return super().get_command(ctx, name)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            _usage_error(exc)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _usage_error(exc)
        except ScalingError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except OSError as exc:
            click.echo(f"error: {_describe_os_error(exc)}", err=True)
            ctx.exit(EXIT_USAGE)


def _usage_error(exc: click.UsageError):
    """A bad option or argument: one ``error:`` line naming it and where help is, exit 2."""
    where = exc.ctx.command_path if exc.ctx is not None else "scaling"
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):  # a group without its command: help, then one line
        click.echo(exc.ctx.get_help(), err=True)
        click.echo(f"error: missing command (see '{where} --help')", err=True)
        sys.exit(EXIT_USAGE)
    message = " ".join(exc.format_message().split())  # one line, whatever click's message holds
    click.echo(f"error: {message} (see '{where} --help')", err=True)
    sys.exit(EXIT_USAGE)


def _describe_os_error(exc: OSError) -> str:
    """One line naming the path and what went wrong (``exc.strerror`` without errno noise)."""
    path = exc.filename if exc.filename is not None else None
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError) and not exc.strerror:
        return str(exc)
    if isinstance(exc, FileExistsError) and path is not None and os.path.isfile(path):
        # mkdir of an output's folder that is a regular file: say what is wrong
        return f"{path} is a file, not a folder: cannot write inside it"
    return f"{path}: {reason}" if path is not None else reason


@click.group(cls=ScalingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scaling")
def main():
    """The economics of large language models.

    Fit scaling laws, size compute-optimal runs, fit hardware trends and
    forecast what GPT-3-equivalent performance costs, from the shipped data.
    """


if __name__ == "__main__":  # pragma: no cover
    main()
