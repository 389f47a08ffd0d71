"""What the review commands share: reading one review file, who may decide, the review rules' verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_FINDINGS, EXIT_UNUSABLE, today
from rolebook.facts.resolve import effective_access
from rolebook.facts.reviewers import designated_reviewers, is_office, location_review_path, login_index
from rolebook.loading import Repository
from rolebook.loading.records import LoadedReview, read_review
from rolebook.model.findings import Severity
from rolebook.policy.check import run_rules

REVIEW_RULES = {"RB700", "RB701", "RB702", "RB703"}


def load_review(repo: Repository, root: Path, school: str, period: str) -> tuple[LoadedReview, str]:
    """One school's or office's review file and its text, or exit 2 saying how to open it."""
    relative = location_review_path(repo, school, period)
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
    """Exit 1 unless `decider` is a designated reviewer of the school (or office), deciding on someone else."""
    allowed = designated_reviewers(repo, code, effective_access(repo))
    office = is_office(repo, code)
    if decider.lower() not in allowed:
        click.echo(f"rolebook: {decider} is not a designated reviewer of {'office' if office else 'school'} {code} "
                   f"(designated: {', '.join(sorted(allowed)) or 'nobody'}).", err=True)
        sys.exit(EXIT_FINDINGS)
    if employee is not None and login_index(repo).get(decider.lower()) == employee:
        above = ("the level above (cluster approvers, else access administrators)" if office
                 else "the cluster's approvers")
        click.echo(f"rolebook: {decider} cannot decide on their own access; {above} decide "
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
