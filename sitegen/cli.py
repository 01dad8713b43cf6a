"""The command line: `sitegen build | serve | new | init | deploy`.

A user's mistake is printed once as `PATH:LINE: message` with exit status 1,
never as a traceback.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from sitegen import __version__
from sitegen.core import dataclass_code
from sitegen.core.errors import SitegenError

log = logging.getLogger("sitegen")
ENDS_AFTER_COMMAND = "ends after command"  # in the context's obj: the process ends after the command (main)
BUILT = "built"  # in the context's obj, set by `build` to its result: nothing is left to tear down (main)


class _WarningFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return prefix + record.getMessage()


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_WarningFormatter())
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def report_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Print a SitegenError's problems once and exit 1."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SitegenError as exc:
            for problem in exc.problems:
                click.echo(f"{problem}", err=True)
            outcome = getattr(exc, "outcome", "nothing was published")  # (see output/publish.py)
            told = f"; {outcome}" if func.__name__ in ("build", "deploy") else ""
            click.echo(f"error: {len(exc.problems)} problem(s){told}", err=True)
            sys.exit(1)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _setup_logging(True)


# `-v` where users type it: `sitegen -v build` and `sitegen build -v` alike.
VERBOSE_OPTION = click.option("--verbose", "-v", is_flag=True, expose_value=False, is_eager=True,
                              callback=_verbose, help="Say more about what happens.")

SOURCE_OPTION = click.option(
    "--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="The site folder (the one holding sitegen.yaml).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
@click.option("--verbose", "-v", is_flag=True, help="Say more about what happens.")
def cli(verbose: bool) -> None:
    """sitegen publishes liveblogs: folders of Markdown/YAML entries become a
    static site with an anchor for every entry and topic, feeds, and a comment
    block. Start with `sitegen init mysite`, then `sitegen serve -s mysite`."""
    _setup_logging(verbose)


@cli.command()
@SOURCE_OPTION
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the site.  [default: SOURCE/output]")
@click.option("--base-url", metavar="URL", help="Override base_url from sitegen.yaml (e.g. for a staging host).")
@click.option("--drafts", is_flag=True, help="Include entries marked `draft: true`.")
@click.option("--future", is_flag=True, help="Include scheduled entries (whose time lies ahead), marked as such.")
@click.option("--no-cache", is_flag=True, help="Ignore and do not update the render cache.")
@click.option("--no-wait", is_flag=True, help="Stop at once if another build is writing the same output "
                                               "(instead of waiting for it to finish).")
@VERBOSE_OPTION
@report_errors
def build(source: Path, output: Path | None, base_url: str | None, drafts: bool, future: bool,
          no_cache: bool, no_wait: bool) -> None:
    """Build the site into the output folder.

    The output is replaced only when the whole build succeeds; on any error the
    previous output stays exactly as it was."""
    obj = click.get_current_context().obj
    if isinstance(obj, dict) and obj.get(ENDS_AFTER_COMMAND):
        gc.disable()  # (the process ends after the build, see main: a collection, even amid imports, only costs time)
    from sitegen.build.oneoff import build_once
    from sitegen.build.progress import ProgressLine
    from sitegen.build.start import default_options
    from sitegen.source.schedule import due_text

    options = default_options(source, output, base_url=base_url, drafts=drafts, future=future,
                              use_cache=not no_cache)
    progress = ProgressLine()
    try:
        result = build_once(options, progress=progress, wait=not no_wait)
    finally:
        progress.clear()
    if isinstance(obj, dict):
        obj[BUILT] = result  # (held to the end, which frees it with the process: see main)
    done = result.summary
    changed = "up to date" if result.site is None else f"{result.written} changed"
    click.echo(f"Built {done.liveblogs} liveblog(s), {done.entries} entries, {done.files} files "
               f"({changed}) in {result.seconds:.2f} s -> {options.output}", err=True)
    if result.next_due is not None:
        click.echo(f"Next due: {due_text(result.next_due)}; build again then to publish it.", err=True)


@cli.command()
@SOURCE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to serve on.")
@click.option("--drafts/--no-drafts", default=True, show_default=True, help="Show draft entries in the preview.")
@click.option("--poll", is_flag=True, help="Poll for changes (for file systems without change events).")
@VERBOSE_OPTION
@report_errors
def serve(source: Path, host: str, port: int, drafts: bool, poll: bool) -> None:
    """Preview the site: build, serve, rebuild on every change and reload open tabs."""
    from sitegen.serve.session import serve as run_serve

    run_serve(source.resolve(), host, port, drafts=drafts, poll=poll)


@cli.command()
@click.argument("liveblog")
@click.option("--title", "-t", help="The entry's headline.")
@click.option("--topic", "topics", multiple=True, metavar="SLUG", help="A topic slug (repeatable).")
@SOURCE_OPTION
@VERBOSE_OPTION
@report_errors
def new(liveblog: str, title: str | None, topics: tuple[str, ...], source: Path) -> None:
    """Write a new entry into content/LIVEBLOG/, stamped with the current time
    in the liveblog's timezone, and print its path."""
    from sitegen.authoring import new_entry

    click.echo(str(new_entry(source.resolve(), liveblog, title, topics)))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--language", "-l", default="en", show_default=True, metavar="TAG",
              help="The site's language, a BCP 47 tag such as uk, ar or pt-BR.")
@VERBOSE_OPTION
@report_errors
def init(directory: Path, language: str) -> None:
    """Write a small working site (config, a liveblog, a few entries) into DIRECTORY."""
    from sitegen.authoring import init_site
    from sitegen.core.language import check_language
    from sitegen.core.schema import Invalid

    try:
        language = check_language(language)
    except Invalid as exc:
        raise SitegenError(f"--language: {exc}") from None
    for path in init_site(directory, language):
        click.echo(f"wrote {path}", err=True)
    click.echo(f"Next: sitegen serve --source {directory}", err=True)


@cli.command()
@SOURCE_OPTION
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="The built site to publish.  [default: SOURCE/output]")
@click.option("--build", "run_build", is_flag=True, help="Build first (a failed build publishes nothing).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent and deleted; send nothing.")
@click.option("--force", is_flag=True, help="Delete even more files than deploy.max_deletes allows.")
@click.option("--watch", is_flag=True, help="Build and publish on every change to the sources, until Ctrl-C.")
@click.option("--check-remote", is_flag=True, help="Compare with the bucket's listing, not the last deploy's record.")
@report_errors
def deploy(source: Path, output: Path | None, run_build: bool, dry_run: bool, force: bool, watch: bool,
           check_remote: bool) -> None:
    """Publish the output folder to the bucket under `deploy:` in sitegen.yaml.

    Only files that changed since the last deploy are sent, in an order that
    never lets a page or updates.json point to something not there yet;
    deleted pages go last. Credentials come from the AWS environment
    (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE), never sitegen.yaml."""
    from sitegen.build.progress import ProgressLine
    from sitegen.build.start import default_options
    from sitegen.deploy.run import DeployOptions, deploy as run_deploy
    from sitegen.deploy.storage import DeployError

    if watch and dry_run:
        raise click.UsageError("--watch publishes every change; it cannot be a --dry-run")
    options = DeployOptions(default_options(source, output), run_build, dry_run, force, check_remote)
    try:
        if watch:
            from sitegen.deploy.watch import watch_and_deploy

            watch_and_deploy(options)
            return
        progress = ProgressLine()
        try:
            result = run_deploy(options, progress=progress)
        finally:
            progress.clear()
    except DeployError as exc:  # the bucket's answer: one line, not a list of source problems
        click.echo(f"error: {exc.problems[0].message}", err=True)
        sys.exit(1)
    if dry_run:
        for line in result.plan.describe():
            click.echo(line)
    click.echo(result.summary(), err=True)


def main() -> None:
    """The console script (and `python -m sitegen`). After a build the process ends at
    once: freeing a long liveblog's model object by object would take it half a second
    more, for nothing (the output is committed, the cache closed, the streams flushed).
    So `build` leaves the cyclic garbage collector off (`ENDS_AFTER_COMMAND`): turned
    back on after a build, its first collection would scan all the build made (a fifth
    of a second for 10,000 entries), and the build itself runs without it anyway; and it
    hands its result (the model) to `state`, so that even returning from the command
    frees none of it."""
    state: dict[str, object] = {ENDS_AFTER_COMMAND: True}
    try:
        cli(prog_name="sitegen", obj=state)
    except SystemExit as exc:
        dataclass_code.save()  # (what this process compiled, for the next: see dataclass_code.py)
        if state.get(BUILT) is None:
            raise
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)  # (as the interpreter would)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1)
