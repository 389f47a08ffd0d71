"""`rolebook apply --scim URL [--plan]` and `rolebook apply --export FILE`: the live systems follow the repository."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

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
    report_load_errors,
    today,
)

TOKEN_VARIABLE = "ROLEBOOK_SCIM_TOKEN"  # noqa: S105 - the name of the variable, not a token


@click.command(name="apply")
@click.option("--scim", "scim_url", metavar="URL", default=None,
              help="The SCIM 2.0 base URL of the service provider (…/v2). The bearer token is read from "
                   f"${TOKEN_VARIABLE}, never from the repository.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the changes since the last export as the SIS's import CSV (policy apply.export_columns).")
@click.option("--plan", "plan_only", is_flag=True, help="Show what would change; change and record nothing.")
@click.option("--acknowledge-removals", "acknowledged", multiple=True, metavar="CODE|district",
              help="Let this run remove more than the policy's share at a location (its code) or in the district.")
@format_option("text", "json")
@repo_option
def command(scim_url: str | None, export_path: Path | None, plan_only: bool, acknowledged: tuple[str, ...],
            output_format: str, repo_path: Path | None) -> None:
    """Make the service provider match the repository's effective access (SCIM), or write the SIS import file.

    \b
    Users: one per person with access (employee number as externalId), inactive when no grant is live
    (locked, suspended, separated, expired). Groups: one per role and location (policy apply.group_name).
    Only what Rolebook created (or the policy adopts) is changed. Each run is recorded in a Git note
    (refs/notes/rolebook-apply) on the commit applied.
    Exit codes: 0 done (or nothing to do), 1 the removal guard stopped it or some changes failed,
    2 bad input (no target, the data or the server cannot be read).
    """
    if (scim_url is None) == (export_path is None):
        raise click.UsageError("give exactly one of --scim URL and --export FILE")
    root = find_repo(repo_path)
    if export_path is not None:
        _export(root, export_path, plan_only, output_format, repo_path)
    else:
        assert scim_url is not None
        _scim(root, scim_url, plan_only, acknowledged, output_format, repo_path)


def _scim(root: Path, url: str, plan_only: bool, acknowledged: tuple[str, ...], output_format: str,
          repo_path: Path | None) -> None:
    from rolebook.apply.evidence import NoCommit, head_commit, uncommitted_data
    from rolebook.apply.rendering import outcome_json, outcome_text, plan_json, plan_text
    from rolebook.apply.runner import apply, prepare
    from rolebook.apply.scim import ScimError

    if not url.startswith(("http://", "https://")):
        _unusable(f"--scim {url!r}: give the service provider's SCIM base URL, e.g. https://sis.example.org/scim/v2")
    if not plan_only:
        try:
            changed = uncommitted_data(root, head_commit(root))
        except NoCommit as exc:
            _unusable(f"{exc}; commit the data first (or use --plan)")
        if changed:
            _unusable(f"{len(changed)} file(s) under roles/ or access/ are not committed (first: {changed[0]}): "
                      "apply records the commit it applied, so commit them first (or use --plan)")
    from rolebook.loading import LoadFailed

    repo = None if plan_only else load_or_exit(repo_path)  # a plan loads only what the change needs
    if repo is not None:
        unknown = [code for code in acknowledged
                   if code != "district" and code not in repo.schools and code not in repo.offices]
        if unknown:
            _unusable(f"--acknowledge-removals {unknown[0]}: not a school or office code of access/district.yaml "
                      "(or `district`)")
    try:
        prepared = prepare(root, repo, url, os.environ.get(TOKEN_VARIABLE) or None, today(), acknowledged,
                           plan_only=plan_only)
    except ScimError as exc:
        _unusable(f"cannot read the service provider at {url}: {exc}. Check the URL and ${TOKEN_VARIABLE}.")
    except LoadFailed as failed:
        report_load_errors(failed)
        sys.exit(EXIT_UNUSABLE)
    try:
        if plan_only:
            _show(output_format, plan_json(prepared.plan, prepared.verdict),
                  plan_text(prepared.plan, prepared.verdict))
            sys.exit(EXIT_OK)
        applied = apply(root, prepared)
    finally:
        prepared.connection.close()
    data = plan_json(prepared.plan, prepared.verdict)
    text = plan_text(prepared.plan, prepared.verdict)
    if applied.outcome is not None:
        data["outcome"] = outcome_json(applied.outcome)
        text += "\n" + outcome_text(applied.outcome)
    if applied.record_problem:
        data["record_problem"] = applied.record_problem
        text += f"\nWarning: {applied.record_problem}\n"
    _show(output_format, data, text)
    unfinished = applied.outcome is None or applied.outcome.result != "complete" or applied.record_problem
    sys.exit(EXIT_FINDINGS if unfinished else EXIT_OK)


def _export(root: Path, path: Path, plan_only: bool, output_format: str, repo_path: Path | None) -> None:
    from rolebook.apply.evidence import NoCommit, head_commit, now, uncommitted_data
    from rolebook.apply.export import ExportFailed, change_set, record_export
    from rolebook.infra.fileio import write_atomic

    started = now()
    try:
        changed = uncommitted_data(root, head_commit(root))
    except NoCommit as exc:
        _unusable(f"{exc}; commit the data first")
    if changed:
        _unusable(f"{len(changed)} file(s) under roles/ or access/ are not committed (first: {changed[0]}): "
                  "the export records the commit range it covers, so commit them first")
    repo = load_or_exit(repo_path)
    try:
        export = change_set(root, repo, today())
    except ExportFailed as exc:
        _unusable(str(exc))
    span = f"{export.base[:12] if export.base else '(start)'}..{export.commit[:12]}"
    problem = None
    if not plan_only:
        write_atomic(path, export.text)
        problem = record_export(root, export, started)
    summary: dict[str, object] = {"file": str(path), "rows": len(export.rows), "base": export.base,
                                  "commit": export.commit, "written": not plan_only}
    if problem:
        summary["record_problem"] = problem
    verb = "Would write" if plan_only else "Wrote"
    text = f"{verb} {len(export.rows)} change(s), commits {span}, to {path}.\n"
    if plan_only:
        text += export.text
    if problem:
        text += f"Warning: {problem}\n"
    _show(output_format, summary, text)
    sys.exit(EXIT_FINDINGS if problem else EXIT_OK)


def _show(output_format: str, data: dict[str, object], text: str) -> None:
    if output_format == "json":
        echo_json(data)
    else:
        click.echo(text, nl=False)


def _unusable(message: str) -> NoReturn:
    click.echo(f"rolebook apply: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)
