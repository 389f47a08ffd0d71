"""`rolebook validate [--base REF]`: check the repository against the district's policy.

Exit codes: 0 no errors (warnings and notices are fine), 1 policy errors (in pull-request mode: new
errors only), 2 the data (or the base revision) cannot be loaded.
"""

from __future__ import annotations

import io
import os
import sys
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
    load_or_exit,
    repo_option,
    today,
)
from rolebook.infra import result_cache

if TYPE_CHECKING:  # the rest is imported when there is work to do: a cached answer needs none of it
    from rolebook.loading import Repository
    from rolebook.output.report import Validation
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
        answer = _answer(root, base_ref, full, output_format, color, bool(targets))
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
    if base_ref is None:
        from rolebook.output.report import Validation
        from rolebook.policy.check import run_rules
        result = Validation(report=run_rules(load_or_exit(root), when), today=when)
    else:
        from rolebook.infra.gcpause import collector_off_for_command
        with collector_off_for_command():  # the imports too: a pull-request check is short
            from rolebook.infra.git import in_background
            from rolebook.policy.pr_base import changed_files
            pending = None if full else in_background(lambda: changed_files(root, base_ref))
            from rolebook.policy.pull_request import pull_request_partial

            partial = None if pending is None else pull_request_partial(root, base_ref, when, pending)
            result = partial if partial is not None else _pull_request(root, load_or_exit(root), base_ref, full)
    printed = io.StringIO()
    with redirect_stdout(printed):
        _emit(result, output_format, color)
    return {"output": printed.getvalue(), "blocking": bool(result.blocking),
            "summary": _markdown(result) if with_summary else None}


def _markdown(result: Validation) -> str:
    from rolebook.output.report import markdown

    return markdown.render(result)


def _pull_request(root: Path, repo: Repository, ref: str, full: bool) -> Validation:
    from rolebook.facts.diff import access_diff
    from rolebook.loading import LoadFailed, Repository, load_repository
    from rolebook.output.report import Validation
    from rolebook.policy.check import Report, run_rules
    from rolebook.policy.pr_base import BaseUnavailable, base_tree, changed_files
    from rolebook.policy.request_checks import request_checks
    when = today()
    try:
        change = changed_files(root, ref)
        scope = None if full else change.scope()
        notes: list[str] = []
        with base_tree(root, ref) as folder:
            try:
                base: Repository | None = load_repository(folder)
            except LoadFailed as failed:
                base = None
                notes.append(f"the base revision {ref} cannot be loaded ({len(failed.errors)} problem(s), "
                             f"first: {failed.errors[0].format().splitlines()[0]}); every finding counts as new")
    except BaseUnavailable as exc:
        click.echo(f"rolebook: cannot read the base revision: {exc}", err=True)
        click.echo("fix: fetch the base branch (git fetch origin main) and pass it with --base", err=True)
        sys.exit(EXIT_UNUSABLE)
    head_report = run_rules(repo, when, scope=scope, base=base)
    old = {f.identity() for f in run_rules(base, when, scope=scope).findings} if base is not None else set()
    report = Report(findings=[f for f in head_report.findings if f.identity() not in old],
                    preexisting=[f for f in head_report.findings if f.identity() in old])
    diff = access_diff(base if base is not None else Repository(root=root), repo)
    return Validation(report=report, today=when, base=ref, base_sha=change.base_sha, scope=scope,
                      access_diff=diff, notes=notes, request_checks=request_checks(repo, diff, when))


def _emit(result: Validation, output_format: str, color: bool | None) -> None:
    if output_format == "json":
        from rolebook.output.report import json_format
        echo_json(json_format.render(result))
    elif output_format == "markdown":
        click.echo(_markdown(result), nl=False)
    elif output_format == "github":
        from rolebook.output.report import github
        click.echo(github.render(result), color=False)
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
