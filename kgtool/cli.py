"""The `kgtool` command line: one click group, thin commands over the Python API.

Every command goes through `handle_errors`, so a `KgtoolError` becomes one line on stderr,
`error: SOURCE:LINE:COL: message`, and the exit code from `kgtool.errors`; anything unexpected
is an internal error (exit 70) whose traceback is shown only with `--debug`.
"""
from __future__ import annotations

import functools
import importlib
import os
import sys
from typing import Any, Callable, NoReturn, TypeVar

import click

from kgtool import __version__, errors

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(err: errors.KgtoolError) -> NoReturn:
    """Print a KgtoolError the one way every command does, and exit with its code. Control
    characters from the input are escaped here too (subclasses may add snippet lines)."""
    click.echo(f"error: {errors.printable(str(err))}", err=True)
    sys.exit(err.exit_code)


def handle_errors(func: F) -> F:
    """Map library errors to one-line messages and exit codes; never show a traceback by default."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a full disk must fail here, with a message, not at exit
            return result
        except errors.KgtoolError as err:
            fail(err)
        except BrokenPipeError:
            # `kgtool query ... | head -1`: the reader went away; exit quietly like cat does.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except OSError:
                pass
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except OSError as exc:
            from kgtool.outfile import WRITE_ERRNOS  # noqa: PLC0415 - only when failing

            if exc.errno not in WRITE_ERRNOS:
                raise_internal(exc)
            _discard_stdout()
            fail(errors.OutputError(f"cannot write the output: {exc.strerror or exc}",
                                    source=exc.filename or "<stdout>"))
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            raise_internal(exc)

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the command's own signature


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def raise_internal(exc: BaseException) -> NoReturn:
    if os.environ.get("KGTOOL_DEBUG"):
        raise exc
    click.echo(f"error: internal error: {type(exc).__name__}: "
               f"{errors.printable(str(exc))} (set KGTOOL_DEBUG=1 for a traceback)", err=True)
    sys.exit(errors.INTERNAL)


project_option = click.option(
    "--project", "project", type=click.Path(file_okay=False, exists=True), default=None,
    help="The kgtool checkout to use (default: walk up from the current directory; "
         "outside a checkout, the data installed with the package).")

allow_remote_context_option = click.option(
    "--allow-remote-context", is_flag=True,
    help="Let JSON-LD inputs load @context from the URLs or files they name (read with rdflib's "
         "JSON-LD parser, which fetches them); refused by default, exit 4.")


# The command registry: name -> "module:function". Modules are imported only when their command
# runs (or `--help` lists them), so `kgtool query` never pays for build, link or serve code.
# A new command is a click command in its own `kgtool/cli_*.py` module plus one line here.
COMMANDS: dict[str, str] = {
    "build": "kgtool.cli_build:build_cmd",
    "validate": "kgtool.cli_build:validate_cmd",
    "coverage": "kgtool.cli_build:coverage_cmd",
    "query": "kgtool.cli_query:query_cmd",
    "queries": "kgtool.cli_query:queries_cmd",
    "export": "kgtool.cli_query:export_cmd",
    "stats": "kgtool.cli_query:stats_cmd",
    "describe": "kgtool.cli_query:describe_cmd",
    "import-reference": "kgtool.cli_link:import_reference_cmd",
    "link": "kgtool.cli_link:link_cmd",
    "load": "kgtool.cli_store:load_cmd",
    "serve": "kgtool.cli_store:serve_cmd",
    "push": "kgtool.cli_store:push_cmd",
    "dump": "kgtool.cli_dump:dump_cmd",
    "remote-query": "kgtool.cli_store:remote_query_cmd",
    "source": "kgtool.cli_sources:source_cmd",
    "conflicts": "kgtool.cli_sources:conflicts_cmd",
    "propose": "kgtool.cli_propose:propose_cmd",
    "publish": "kgtool.cli_web:publish_cmd",
}


class LazyGroup(click.Group):
    """A click group whose commands are looked up in `COMMANDS` and imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command), target
        return command


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="kgtool")
def cli() -> None:
    """kgtool: build, validate, query and export the Songjiang knowledge graph.

    Exit codes: 0 ok, 1 SHACL violations, 2 usage error, 3 unreadable or invalid input,
    4 refused by policy, 5 timeout, 6 remote/network failure, 70 internal error.
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kgtool")
