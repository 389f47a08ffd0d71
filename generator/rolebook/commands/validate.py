"""`rolebook validate [--base REF]`: check the repository against the district's policy.

Exit codes: 0 no errors (warnings and notices are fine), 1 policy errors (in pull-request mode: new
errors only), 2 the data (or the base revision) cannot be loaded; in pull-request mode, only load errors
the change brings count (those already on the base are listed, not blocking). The command parses
options and prints; pull-request mode is `rolebook.policy.pull_request`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rolebook.commands.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNUSABLE,
    echo_json,
    find_repo,
    format_option,
    repo_option,
    today,
)
from rolebook.infra import result_cache

if TYPE_CHECKING:  # the rest is imported when there is work to do: a cached answer needs none of it
    from rolebook.loading import Repository
    from rolebook.loading.errors import LoadError
    from rolebook.policy.pull_request import Change
    from rolebook.policy.validation import Validation


class _Unloadable(Exception):
    """The data (or the change) cannot be loaded: `new` blocks, `old` was already on the base."""

    def __init__(self, new: list[LoadError], old: list[LoadError] | None = None, base: str | None = None):
        super().__init__(f"{len(new)} load error(s)")
        self.new, self.old, self.base = new, old or [], base


@click.command(name="validate")
@click.option("--base", "base_ref", metavar="REF",
              help="Pull-request mode: compare with this Git revision (e.g. origin/main). Only problems the "
                   "change brings block; older ones are shown apart. Prints who gains or loses access.")
@click.option("--full", is_flag=True, help="In pull-request mode, re-check every location, not only changed ones.")
@format_option("text", "json", "github", "markdown")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Append a Markdown summary to FILE (automatic when GITHUB_STEP_SUMMARY is set).")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal, "
              "unless NO_COLOR is set).")
@repo_option
def command(base_ref: str | None, full: bool, output_format: str, summary_file: Path | None,
            color: bool | None, repo_path: Path | None) -> None:
    """Check the repository against the district's policy (`rolebook rules` lists the rules)."""
    root = find_repo(repo_path)
    when = today()
    if color is None:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    targets = _summary_targets(summary_file)
    # An unchanged repository (same blobs, same code, same day, same options) gives the same answer:
    # replay it. Pull-request mode depends on the base revision too, and is not cached.
    key = result_cache.cache_key(root, "validate", when.isoformat(), output_format, color) \
        if base_ref is None else None
    answer = result_cache.load(root, key)
    if not (isinstance(answer, dict) and {"output", "summary", "blocking"} <= answer.keys()):
        if base_ref is None:  # a full load: its prefetch child parses while the models and rules import
            from rolebook.loading.fast import prefetch
            prefetch.start_early(root)
        try:
            answer = _answer(root, base_ref, full, output_format, color, bool(targets))
        except _Unloadable as failed:
            _report_unloadable(failed, output_format, targets)
            sys.exit(EXIT_UNUSABLE)
        if not (answer["summary"] is None and targets):
            result_cache.store(root, key, answer)
    elif targets and answer["summary"] is None:
        answer = _answer(root, base_ref, full, output_format, color, True)
    click.echo(answer["output"], nl=False, color=color)
    for target in targets:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(answer["summary"] + "\n")
    sys.exit(EXIT_FINDINGS if answer["blocking"] else EXIT_OK)


def _answer(root: Path, base_ref: str | None, full: bool, output_format: str, color: bool,
            with_summary: bool) -> dict[str, object]:
    """Load, check and render: what the command prints, its Markdown summary and whether it blocks."""
    when = today()
    from rolebook.infra.gcpause import collector_off_for_command
    if base_ref is None:
        # The load and the rules pause the collector themselves; the imports before them (pydantic, the
        # models, the rules: hundreds of thousands of objects) are worth pausing it for too.
        with collector_off_for_command():
            from rolebook.policy.check import run_rules
            from rolebook.policy.validation import Validation
            result = Validation(report=run_rules(_load_and_remember(root), when), today=when)
    else:
        with collector_off_for_command():  # the imports too: a pull-request check is short
            from rolebook.infra.git import in_background
            from rolebook.policy.pull_request import changed_files
            pending = None if full else in_background(lambda: changed_files(root, base_ref))
            result = _pull_request(root, base_ref, when, full, pending)
    printed = io.StringIO()
    with redirect_stdout(printed):
        _emit(result, output_format, color)
    return {"output": printed.getvalue(), "blocking": bool(result.blocking),
            "summary": _markdown(result) if with_summary else None}


def _load_and_remember(root: Path) -> Repository:
    """Load everything (exit 2 with every problem if anything fails), noting each file's verdict for
    pull-request mode (`pull_request.remember_verdicts`)."""
    from rolebook.loading.fast import prefetch
    from rolebook.loading.repository import load_tolerant
    from rolebook.paths import DISTRICT_FILE
    from rolebook.policy.pull_request import remember_verdicts

    try:
        repo, errors = load_tolerant(root)
    finally:
        prefetch.abandon_early()  # a load that stopped before taking the early child: end it here
    blobs = result_cache.clean_blobs(root)
    if blobs:
        verdicts = result_cache.Verdicts.open(root)
        remember_verdicts(verdicts, blobs, repo.sources, errors, blobs.get(DISTRICT_FILE))
        verdicts.save()
    if errors:
        raise _Unloadable(errors)
    return repo


def _markdown(result: Validation) -> str:
    from rolebook.output.report import markdown

    return markdown.render(result)


def _pull_request(root: Path, ref: str, when: dt.date, full: bool,
                  pending: Callable[[], Change] | None) -> Validation:
    """Pull-request mode (`rolebook.policy.pull_request`); its two ways of failing exit with code 2."""
    from rolebook.policy.pull_request import BaseUnavailable, ChangeUnloadable, pull_request_check

    try:
        return pull_request_check(root, ref, when, full=full, pending_change=pending)
    except BaseUnavailable as exc:
        click.echo(f"rolebook: cannot read the base revision: {exc}", err=True)
        click.echo("fix: fetch the base branch (git fetch origin main) and pass it with --base", err=True)
        sys.exit(EXIT_UNUSABLE)
    except ChangeUnloadable as failed:
        raise _Unloadable(failed.new, failed.old, ref) from failed


def _report_unloadable(failed: _Unloadable, output_format: str, targets: list[Path]) -> None:
    """Every load problem at its file and line: as text on stderr always, on stdout in the format asked
    for (annotations, JSON, Markdown) where a workflow reads it, and in the job summary."""
    from rolebook.output.report import load_errors

    new, old, base = failed.new, failed.old, failed.base
    click.echo(load_errors.text(new, old, base), err=True)
    if output_format == "github":
        click.echo(load_errors.github(new, old, base), color=False)
    elif output_format == "json":
        click.echo(load_errors.as_json(new, old, base))
    elif output_format == "markdown":
        click.echo(load_errors.markdown(new, old, base), nl=False)
    for target in targets:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(load_errors.markdown(new, old, base) + "\n")


def _emit(result: Validation, output_format: str, color: bool | None) -> None:
    if output_format == "json":
        from rolebook.output.report import json_format
        echo_json(json_format.render(result))
    elif output_format == "markdown":
        click.echo(_markdown(result), nl=False)
    elif output_format == "github":
        from rolebook.output.report import github_annotations

        click.echo(github_annotations.render(result), color=False)
    else:
        from rolebook.output.report import text

        if color is None:
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(text.render(result), color=color)


def _summary_targets(summary_file: Path | None) -> list[Path]:
    targets = [summary_file] if summary_file is not None else []
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary and (summary_file is None or Path(step_summary).resolve() != summary_file.resolve()):
        targets.append(Path(step_summary))
    return targets
