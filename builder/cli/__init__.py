"""The click command group behind `python -m builder` and `clip-atlas`: every command is here.

    build, info, serve   builder.cli.site_commands
    neurons              builder.cli.neurons
    train-demo           builder.cli.train_demo

Thin commands: parse options, call the library, report. Expected failures (builder.errors.
AtlasError: bad config, missing weights offline, bad input under --strict, an output folder we
must not replace, a missing bundler, a broken docs page, ...) are caught once, here, and end
with `Error: <message>` and exit code 1, never a traceback. Ctrl-C and (during a build) SIGTERM
end with one line saying what was kept (builder.signals.Interrupted) and exit code 130 or 143.
"""

from __future__ import annotations

import signal

import click

from builder.cli.neurons import neurons
from builder.cli.site_commands import build, info, serve
from builder.cli.train_demo import train_demo
from builder.errors import AtlasError


class AtlasGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt as exc:
            click.echo(str(exc) or "interrupted", err=True)
            raise click.exceptions.Exit(128 + int(getattr(exc, "signum", signal.SIGINT))) from None


@click.group(cls=AtlasGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clip-atlas")
def cli():
    """CLIP Atlas: precompute everything about a CLIP model and an image-caption dataset, and
    write a static website (WebGL explorer + explanatory pages) that needs no server.

    Start with `python -m builder build` (demo world, no network needed), then
    `python -m builder serve` and open the printed address.
    """


for _command in (build, info, serve, neurons, train_demo):
    cli.add_command(_command)
