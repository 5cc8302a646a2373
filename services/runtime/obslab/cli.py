"""The `obslab` command line: lab lifecycle plus each area's sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="obslab: a local-first observability lab for an ML serving stack.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
