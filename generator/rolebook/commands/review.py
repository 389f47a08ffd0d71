"""`rolebook review open | decide | complete | apply | status | schedule`: the six-monthly access review."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

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
from rolebook.commands.removal_prs_option import open_prs_option, read_or_exit
from rolebook.commands.review_common import REVIEW_RULES, check_decider, load_review, review_problems
from rolebook.commands.review_github import decide_from_body, schedule
from rolebook.facts import removal_marker
from rolebook.facts.catalog import find_role
from rolebook.facts.resolve import effective_access
from rolebook.facts.reviewers import first_school_approver, is_office, location_review_path, review_locations
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import BranchError, commit_to_branch
from rolebook.loading import Repository
from rolebook.loading.records import read_review
from rolebook.model.findings import Severity
from rolebook.model.review import PERIOD_PATTERN, Decision, ReviewStatus, add_months, period_of
from rolebook.output.templates import render_markdown as render
from rolebook.policy.check import run_rules
from rolebook.reviews import latest_review, overdue_reviews
from rolebook.reviews.edit import ReviewEditError, apply_review, decide, open_review_text, set_fields


@click.group(name="review")
def command() -> None:
    """Six-monthly access reviews: open, decide, complete, apply.

    \b
    Every six months each school and office reviews who can reach its data (H1: January-June, H2: July-
    December); --school takes an office's code too (or write --location):
      rolebook review open --all                 a review file and a branch per school and per office
      rolebook review decide --school 100 --employee 10000003 --role teacher --decision remove --reason "left"
      rolebook review complete --school 100      checks the review and marks it completed
      rolebook review apply --school 100         after the merge: the removals, as a change for a PR
    On GitHub (workflows review-schedule.yml and review-decide.yml), without the command line:
      rolebook review schedule --open-prs FILE   in the review months: a branch and PR body per location due
      rolebook review decide --from-pr-body FILE --reviewer LOGIN   the body's ticks into the review file
    """


def _period(value: str | None) -> str:
    period = value or period_of(today())
    if not PERIOD_PATTERN.match(period):
        click.echo(f"rolebook: '{period}' is not a period; write YYYY-H1 (January-June) or YYYY-H2.", err=True)
        sys.exit(EXIT_UNUSABLE)
    return period


def _school(repo: Repository, code: str) -> str:
    """A school's or an office's code, or exit 2 naming the file to look in."""
    if code not in repo.schools and code not in repo.offices:
        click.echo(f"rolebook: no school or office with code '{code}' in access/district.yaml.", err=True)
        sys.exit(EXIT_UNUSABLE)
    return code


def _standing(root: Path, relative: str, repo: Repository) -> str:
    """Why a review is not opened again: still in progress, or done (when, by whom, and the next one)."""
    loaded, _errors = read_review(root, relative)
    if loaded is None:
        return "already open (the file cannot be read: run `rolebook validate`)"
    model = loaded.model
    if model.status is not ReviewStatus.completed:
        return f"already open ({model.status.value})"
    next_due = add_months(loaded.effective_date, repo.policy.review_interval_months)
    return (f"done on {loaded.effective_date.isoformat()} by {model.reviewer or 'an unnamed reviewer'}; "
            f"the next one is due by {next_due.isoformat()} ({period_of(next_due)})")


LOCATION_HELP = "The school's location code, or an office's (--location is the same option)."
school_option = click.option("--school", "--location", "school", required=True, help=LOCATION_HELP)
period_option = click.option("--period", default=None, help="YYYY-H1 or YYYY-H2 (default: today's half-year).")


@command.command(name="open")
@click.option("--school", "--location", "schools", multiple=True,
              help="A school's or an office's location code (repeatable).")
@click.option("--all", "all_schools", is_flag=True, help="Every school and every office.")
@period_option
@click.option("--reviewer", default=None, help="Git username of the reviewer (default: the school's approver, or "
              "the office's first approver).")
@click.option("--no-branch", is_flag=True, help="Write the files in the working tree instead of a branch per school.")
@format_option("text", "json")
@repo_option
def open_review(schools: tuple[str, ...], all_schools: bool, period: str | None, reviewer: str | None,
                no_branch: bool, output_format: str, repo_path: Path | None) -> None:
    """Open a review: a file listing every grant that reaches the school, on a branch review/CODE-PERIOD."""
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    chosen_period = _period(period)
    if all_schools == bool(schools):
        click.echo("rolebook: give --school CODE (repeatable) or --all.", err=True)
        sys.exit(EXIT_UNUSABLE)
    codes = review_locations(repo) if all_schools else [_school(repo, code) for code in schools]
    accesses = effective_access(repo)
    opened: list[dict[str, object]] = []
    skipped: list[dict[str, object]] = []
    for code in codes:
        relative = location_review_path(repo, code, chosen_period)
        if (root / relative).exists():
            skipped.append({"school": code, "file": relative, "reason": _standing(root, relative, repo)})
            continue
        who = reviewer or first_school_approver(repo, code, accesses)
        text = open_review_text(repo, code, chosen_period, accesses, who)
        entry: dict[str, object] = {"school": code, "file": relative, "reviewer": who,
                                    "items": text.count("\n  - employee:")}
        if no_branch:
            write_atomic(root / relative, text)
        else:
            branch = f"review/{code}-{chosen_period}"
            message = render("reviews/open-commit.txt.j2", school=code, name=repo.location_name(code),
                             period=chosen_period, reviewer=who, file=relative, office=is_office(repo, code))
            try:
                result = commit_to_branch(root, branch, {relative: text}, message)
            except BranchError as exc:
                click.echo(f"rolebook: {exc}", err=True)
                sys.exit(EXIT_UNUSABLE)
            entry.update(branch=branch, commit=result.commit)
        opened.append(entry)
    if output_format == "json":
        echo_json({"period": chosen_period, "opened": opened, "skipped": skipped})
        return
    for entry in opened:
        where = f" on branch {entry['branch']}" if "branch" in entry else ""
        click.echo(f"opened {entry['file']}{where}: {entry['items']} item(s), reviewer {entry['reviewer'] or '(none)'}")
    for entry in skipped:
        click.echo(f"skipped {entry['file']}: {entry['reason']}")
    if not all_schools and not opened and any(not str(e["reason"]).startswith("done") for e in skipped):
        sys.exit(EXIT_UNUSABLE)  # asked to open one that is still open: nothing to do is a mistake here


@command.command(name="decide")
@click.option("--school", "--location", "school", default=None, help="The school's or office's location code "
              "(with --from-pr-body: taken from the body's review marker).")
@period_option
@click.option("--employee", default=None, help="The 8-digit employee number.")
@click.option("--role", "roles", multiple=True, help="Only this role of the item (repeatable; default: all).")
@click.option("--decision", default=None, type=click.Choice([d.value for d in Decision]))
@click.option("--reason", default=None, help="Why (required for remove and change).")
@click.option("--change-to", "change_to", multiple=True, help="For change: a role to hold instead (repeatable).")
@click.option("--via", default=None, help="'direct', 'cluster ID' or 'all-schools', when the person has several.")
@click.option("--reviewer", default=None, help="Your Git username: who decides (default: the file's reviewer).")
@click.option("--change", "change", is_flag=True,
              help="Change a decision already made (without --role, an earlier decision is never overwritten).")
@click.option("--from-pr-body", "body_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Decide every grant from a review pull request's body (ticked: remove; unticked: keep); "
                   "--reviewer is the login that edited it.")
@format_option("text", "json")
@repo_option
def decide_command(school: str | None, period: str | None, employee: str | None, roles: tuple[str, ...],
                   decision: str | None, reason: str | None, change_to: tuple[str, ...], via: str | None,
                   reviewer: str | None, change: bool, body_path: Path | None, output_format: str,
                   repo_path: Path | None) -> None:
    """Record a decision on one person's grant in a review file (comments in the file are kept).

    \b
    With --from-pr-body, every grant at once, from the ticks of the review pull request's body; when its
    last box ("I have reviewed every grant above") is ticked and every grant is decided, the review is
    completed. The decider's own grants are left to the local district's approvers.
    """
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    if body_path is not None:
        decide_from_body(repo, root, body_path, school, period, reviewer, output_format)
        return
    if school is None or employee is None or decision is None:
        click.echo("rolebook: give --school, --employee and --decision (or --from-pr-body FILE).", err=True)
        sys.exit(EXIT_UNUSABLE)
    code = _school(repo, school)
    chosen_period = _period(period)
    loaded, text = load_review(repo, root, code, chosen_period)
    for role in change_to:
        if find_role(repo, role) is None:
            click.echo(f"rolebook: no role '{role}'. See `rolebook roles` for the list.", err=True)
            sys.exit(EXIT_UNUSABLE)
    decider = reviewer or loaded.model.reviewer
    if decider is not None:
        check_decider(repo, code, decider, employee)
    new_roles = [found.id for role in change_to if (found := find_role(repo, role))]
    file_reviewer = loaded.model.reviewer
    decided_by = reviewer if reviewer and file_reviewer and reviewer.lower() != file_reviewer.lower() else None
    try:
        new_text, count = decide(text, employee=employee, roles=list(roles), decision=Decision(decision),
                                 reason=reason, change_to=new_roles or None, via=via, decided_by=decided_by,
                                 change=change)
    except ReviewEditError as exc:
        click.echo(f"rolebook: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    if reviewer and loaded.model.reviewer is None:
        new_text = set_fields(new_text, {"reviewer": reviewer})
    write_atomic(root / loaded.file, new_text)
    if output_format == "json":
        echo_json({"file": loaded.file, "employee": employee, "decision": decision, "items": count})
        return
    click.echo(f"{loaded.file}: {decision} for {employee} ({count} item(s))")


@command.command(name="complete")
@school_option
@period_option
@click.option("--date", "reviewed_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day the review was finished (default: today).")
@repo_option
def complete(school: str, period: str | None, reviewed_on: dt.datetime | None, repo_path: Path | None) -> None:
    """Mark a review completed, after checking every item is decided by a designated reviewer."""
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    code = _school(repo, school)
    loaded, text = load_review(repo, root, code, _period(period))
    day = reviewed_on.date() if reviewed_on else today()
    new_text = set_fields(text, {"status": ReviewStatus.completed.value, "reviewed_on": day})
    write_atomic(root / loaded.file, new_text)
    problems = review_problems(repo, loaded.file)
    if problems:
        write_atomic(root / loaded.file, text)  # put it back: an incomplete review is not completed
        for line in problems:
            click.echo(line, err=True)
        click.echo(f"\n{sum(not p.startswith(' ') for p in problems)} problem(s): the review stays "
                   f"{loaded.model.status.value}.", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"{loaded.file}: completed on {day.isoformat()}; commit it and open the pull request.")


@command.command(name="apply")
@school_option
@period_option
@click.option("--no-branch", is_flag=True, help="Write the grants files in the working tree instead.")
@click.option("--pr-body", "pr_body", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the pull request body (Markdown, with the removal marker) to this file.")
@open_prs_option
@format_option("text", "json")
@repo_option
def apply(school: str, period: str | None, no_branch: bool, pr_body: Path | None, open_prs_path: Path | None,
          output_format: str, repo_path: Path | None) -> None:
    """After the review is merged: carry out its remove and change decisions, as one change for a PR.

    The PR body and the commit carry the removal marker that `hr sync`, `offboard` and `revoke` read
    too; with only removals, the body says it is a removal-only change. With --open-prs, a person an
    open removal PR already removes at a location is left to it there (listed, not changed twice).
    """
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    code = _school(repo, school)
    chosen_period = _period(period)
    loaded, _text = load_review(repo, root, code, chosen_period)
    review = loaded.model
    if review.status is not ReviewStatus.completed:
        click.echo(f"rolebook: {loaded.file} is {review.status.value}; complete and merge it first "
                   "(`rolebook review complete`).", err=True)
        sys.exit(EXIT_FINDINGS)
    problems = [f for f in run_rules(repo, today()).findings
                if f.code in REVIEW_RULES and f.file == loaded.file and f.severity is Severity.error]
    if problems:
        for finding in problems:
            click.echo(f"{finding.file}:{finding.line}: {finding.code} {finding.message}", err=True)
        click.echo("\nThe review is not valid; nothing was applied.", err=True)
        sys.exit(EXIT_FINDINGS)
    holds = removal_marker.holds(read_or_exit(open_prs_path))
    applied = apply_review(repo, review, holds)
    context = {"review": review, "name": repo.location_name(code), "file": loaded.file, "applied": applied,
               "summary": latest_review(repo, code),
               "marker": removal_marker.write("review-apply", applied.removed_at)}
    message = render("reviews/apply-commit.txt.j2", **context)
    branch = f"review/{code}-{chosen_period}-apply"
    commit = None
    if applied.files:
        if no_branch:
            for relative, text in applied.files.items():
                write_atomic(root / relative, text)
        else:
            try:
                commit = commit_to_branch(root, branch, applied.files, message).commit
            except BranchError as exc:
                click.echo(f"rolebook: {exc}", err=True)
                sys.exit(EXIT_UNUSABLE)
    if pr_body is not None:
        write_atomic(pr_body, render("reviews/apply-body.md.j2", **context))
    if output_format == "json":
        echo_json({
            "school": code, "period": chosen_period, "branch": None if no_branch or not applied.files else branch,
            "commit": commit, "files": sorted(applied.files), "missing": applied.missing,
            "left_to_open_prs": applied.left, "removal_only": applied.removal_only,
            "changes": [{"file": f, "employee": c.employee, "via": c.via, "removed": c.removed,
                         "added": c.added} for f, c in applied.changes],
        })
        sys.exit(EXIT_OK)
    if not applied.files:
        click.echo(f"{loaded.file}: nothing to remove or change.")
    for file, change in applied.changes:
        what = f"removed {', '.join(change.removed)}" + (f", added {', '.join(change.added)}" if change.added else "")
        click.echo(f"{file}: {change.employee} ({change.via}): {what}")
    for missing in applied.missing:
        click.echo(f"already gone: {missing}")
    for employee, where in sorted(applied.left.items()):
        places = ", ".join(f"{location} in #{number}" for location, number in sorted(where.items()))
        click.echo(f"{employee}: already in an open removal pull request ({places}), left to it")
    if applied.files:
        click.echo(f"\n{'Files written' if no_branch else f'Branch {branch}'}: open the pull request.")


@command.command(name="status")
@format_option("text", "json")
@repo_option
def status(output_format: str, repo_path: Path | None) -> None:
    """Each school's and office's last completed review, and which are overdue (exit 1 if any is)."""
    repo = load_or_exit(repo_path)
    late = {o.school: o for o in overdue_reviews(repo, today())}
    rows = []
    for code in [*repo.schools, *(code for code in repo.offices if code not in repo.schools)]:
        summary = latest_review(repo, code)
        due = late[code].due_on if code in late else None
        rows.append({
            "school": code, "name": repo.location_name(code), "period": summary.period if summary else None,
            "reviewer": summary.reviewer if summary else None,
            "reviewed_on": summary.reviewed_on.isoformat() if summary and summary.reviewed_on else None,
            "overdue": code in late, "due_on": due.isoformat() if due else None,
        })
    if output_format == "json":
        echo_json(rows)
    else:
        for row in rows:
            state = "OVERDUE" if row["overdue"] else "ok"
            click.echo(f"{row['school']:<8} {str(row['name'])[:32]:<33} {row['period'] or 'never':<8} "
                       f"{row['reviewed_on'] or '':<11} {state}")
    sys.exit(EXIT_FINDINGS if late else EXIT_OK)



command.add_command(schedule)
