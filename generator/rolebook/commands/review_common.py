"""What the review commands share: reading one review file, who may decide, the review rules' verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_FINDINGS, EXIT_UNUSABLE, today
from rolebook.facts.resolve import effective_access
from rolebook.facts.reviewers import designated_reviewers, login_index
from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview, read_review
from rolebook.model.findings import Severity
from rolebook.paths import review_path
from rolebook.policy.check import run_rules

REVIEW_RULES = {"RB700", "RB701", "RB702", "RB703"}


def load_review(root: Path, school: str, period: str) -> tuple[LoadedReview, str]:
    relative = review_path(school, period)
    if not (root / relative).exists():
        click.echo(f"rolebook: {relative} does not exist; open it with "
                   f"`rolebook review open --school {school} --period {period}`.", err=True)
        sys.exit(EXIT_UNUSABLE)
    loaded, errors = read_review(root, relative)
    if loaded is None:
        for error in errors:
            click.echo(error.format(), err=True)
        sys.exit(EXIT_UNUSABLE)
    # Bytes, decoded as they are: read_text would turn CRLF into LF and the edit would rewrite every line.
    return loaded, (root / relative).read_bytes().decode("utf-8")


def check_decider(repo: Repository, code: str, decider: str, employee: str | None) -> None:
    """Exit 1 unless `decider` is a designated reviewer of the school, deciding on someone else."""
    allowed = designated_reviewers(repo, code, effective_access(repo))
    if decider.lower() not in allowed:
        click.echo(f"rolebook: {decider} is not a designated reviewer of school {code} "
                   f"(designated: {', '.join(sorted(allowed)) or 'nobody'}).", err=True)
        sys.exit(EXIT_FINDINGS)
    if employee is not None and login_index(repo).get(decider.lower()) == employee:
        click.echo(f"rolebook: {decider} cannot decide on their own access; the cluster's approvers decide "
                   "it (run this with --reviewer <their Git username>).", err=True)
        sys.exit(EXIT_FINDINGS)


def review_problems(repo: Repository, file: str) -> list[str]:
    """The review rules' errors on one review file, as lines to print (empty: the review is valid)."""
    lines = []
    for finding in run_rules(repo, today()).findings:
        if finding.code in REVIEW_RULES and finding.file == file and finding.severity is Severity.error:
            lines.append(f"{finding.file}:{finding.line}: {finding.code} {finding.message}")
            if finding.hint:
                lines.append(f"    fix: {finding.hint}")
    return lines
