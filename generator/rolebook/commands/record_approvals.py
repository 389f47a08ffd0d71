"""`rolebook record-approvals`: a merged pull request's approvals, from GitHub's reviews, as a Git note.

Run after the merge (.github/workflows/record-approvals.yml) with the REST list-reviews answer; the
note goes on the merge commit under refs/notes/rolebook-approvals, and the audit site reads it from
there. What counts and why: `rolebook.approvals.merge_evidence`.

Exit codes: 0 recorded (or already recorded, unchanged), 1 recorded, but no approval stood on the merged
head (someone merged past the gate: the record says so, and the workflow run fails to show it),
2 bad input (a file that cannot be read, reviews of another pull request, an unknown merge commit).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from rolebook.approvals import BadInput, read_json
from rolebook.commands.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNUSABLE,
    echo_json,
    find_repo,
    format_option,
    repo_option,
)


@click.command(name="record-approvals")
@click.option("--pr", "pr", type=click.IntRange(min=1), required=True, help="The merged pull request's number.")
@click.option("--reviews", "review_files", multiple=True, required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The REST list-reviews JSON of the pull request (gh api --paginate .../pulls/N/reviews).")
@click.option("--merge-commit", "merge_ref", required=True, help="The commit the merge put on the base branch.")
@click.option("--event", "event_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The pull request as GitHub gives it ({\"pull_request\": GET .../pulls/N}, or a 'closed' "
                   "webhook payload): its head, author, merge commit and merged_at.")
@click.option("--head", "head_ref", help="The pull request's last commit (default: the event's, or the merge's "
              "second parent).")
@format_option("text", "json")
@repo_option
def command(pr: int, review_files: tuple[Path, ...], merge_ref: str, event_file: Path | None,
            head_ref: str | None, output_format: str, repo_path: Path | None) -> None:
    """Record who approved a merged pull request: a note on its merge commit (refs/notes/rolebook-approvals)."""
    try:
        code = _run(pr, review_files, merge_ref, event_file, head_ref, output_format, repo_path)
    except BadInput as exc:
        click.echo(f"rolebook record-approvals: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    sys.exit(code)


def _run(pr: int, review_files: tuple[Path, ...], merge_ref: str, event_file: Path | None, head_ref: str | None,
         output_format: str, repo_path: Path | None) -> int:
    from rolebook.approvals.merge_evidence import MergedEvent, check_reviews_are_of, record_approvals
    from rolebook.approvals.verdicts import PullRequestVerdict, merge, parse_event, parse_pr_verdict_list

    event: MergedEvent | None = None
    from_event: list[PullRequestVerdict] = []
    if event_file is not None:
        payload = read_json(event_file, "event payload")
        pull, from_event = parse_event(payload, str(event_file))
        event = MergedEvent.from_payload(pull, payload)
    listed: list[PullRequestVerdict] = []
    raw_times: dict[int, str] = {}
    for path in review_files:
        raw = read_json(path, "review list")
        check_reviews_are_of(pr, raw, str(path))
        listed.extend(parse_pr_verdict_list(raw, str(path)))
        raw_times.update(_submitted_at(raw))
    outcome = record_approvals(find_repo(repo_path), pr, merge_ref, merge(from_event, listed), raw_times,
                               head_ref, event)
    for warning in outcome.warnings:
        click.echo(f"rolebook record-approvals: warning: {warning}", err=True)
    if output_format == "json":
        echo_json(outcome.as_dict())
    else:
        record = outcome.record
        done = "recorded" if outcome.written else "already recorded, unchanged"
        click.echo(f"PR #{record.pr}, merge commit {record.merge_commit[:12]}: {done} in "
                   f"{outcome.as_dict()['notes_ref']}")
        for approval in record.approvals:
            who = f"employee {approval.employee}, {approval.name}" if approval.employee else "not in the staff file"
            click.echo(f"  approved by {approval.login} ({who}) on {approval.commit_id[:12]} "
                       f"at {approval.submitted_at}")
        for skipped in record.not_counted:
            click.echo(f"  not counted: {skipped.login}, {skipped.reason}")
        if not record.approvals:
            click.echo(f"  no approval stood on the merged head {record.head[:12]}")
    return EXIT_OK if outcome.record.approvals else EXIT_FINDINGS


def _submitted_at(raw: Any) -> dict[int, str]:
    """Each review's submitted_at as GitHub wrote it, so the record keeps GitHub's own text."""
    found: dict[int, str] = {}
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("id"), int) and isinstance(item.get("submitted_at"), str):
            found[item["id"]] = item["submitted_at"]
    return found
