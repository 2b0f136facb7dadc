"""Command line: `python -m builder <command>`. Thin: parse options, call the pipeline."""

from builder.cli import cli

if __name__ == "__main__":
    cli()
