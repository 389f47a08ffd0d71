"""The review on GitHub: `rolebook review schedule` and `rolebook review decide --from-pr-body`.

`schedule` prepares the branch, commit and pull request body of every school and office whose review
for the period is due and not yet open or done, in code order (schools, then offices), so that the
workflow opening the pull requests (review-schedule.yml) can stop at any point and the next run
continues. `decide --from-pr-body` turns a principal's ticks in that body into the review file's
decisions (review-decide.yml).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

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
from rolebook.commands.review_common import check_decider, load_review, review_problems
from rolebook.facts.removal_marker import OpenPRsError
from rolebook.facts.resolve import effective_access
from rolebook.facts.reviewers import first_school_approver, is_office, login_index
from rolebook.infra.fileio import write_atomic
from rolebook.infra.git import BranchError, commit_to_branch
from rolebook.loading import Repository
from rolebook.model.review import PERIOD_PATTERN, ReviewFile, ReviewStatus, period_of
from rolebook.output.templates import render_markdown as render
from rolebook.reviews.edit import decide_from_ticks, open_review_text, set_fields
from rolebook.reviews.pr_body import REVIEW_MARKER, BodyError, parse_body, render_body, role_names
from rolebook.reviews.schedule import plan_reviews, read_review_prs, review_branch


@click.command(name="schedule")
@click.option("--period", default=None, help="YYYY-H1 or YYYY-H2 (default: today's half-year, and only in "
              "the policy's review_months).")
@click.option("--open-prs", "open_prs_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The open pull requests, as GitHub's 'list pull requests' gives them (JSON array).")
@click.option("--max", "limit", type=click.IntRange(min=1), default=None,
              help="Prepare at most N reviews in this run; the next run continues.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write each pull request's body to DIR/CODE.md.")
@click.option("--dry-run", is_flag=True, help="Print the plan; make no branch.")
@format_option("text", "json")
@repo_option
def schedule(period: str | None, open_prs_path: Path, limit: int | None, out_dir: Path | None, dry_run: bool,
             output_format: str, repo_path: Path | None) -> None:
    """The review pull requests due: one branch review/CODE-PERIOD per school and per office, never a second one."""
    repo = load_or_exit(repo_path)
    root = find_repo(repo_path)
    day = today()
    chosen = period or period_of(day)
    if not PERIOD_PATTERN.match(chosen):
        click.echo(f"rolebook: '{chosen}' is not a period; write YYYY-H1 (January-June) or YYYY-H2.", err=True)
        sys.exit(EXIT_UNUSABLE)
    if period is None and day.month not in repo.policy.review_months:
        months = ", ".join(str(m) for m in repo.policy.review_months)
        message = f"not due: reviews open in month(s) {months} (roles/policy.yaml review_months)"
        if output_format == "json":
            echo_json({"period": chosen, "due": False, "reason": message, "opened": [], "skipped": [], "left": 0})
        else:
            click.echo(message)
        sys.exit(EXIT_OK)
    try:
        open_prs = read_review_prs(open_prs_path)
    except OpenPRsError as exc:
        click.echo(f"rolebook: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    plan = plan_reviews(repo, chosen, open_prs, limit)
    accesses = effective_access(repo)
    opened: list[dict[str, object]] = []
    for due in plan.due:
        entry: dict[str, object] = {
            "school": due.school, "branch": due.branch, "file": due.file, "reviewers": list(due.reviewers),
            "team_reviewers": list(due.teams),
            "title": f"Access review {chosen}: {repo.location_name(due.school)} ({due.school})",
        }
        if not dry_run:
            reviewer = first_school_approver(repo, due.school, accesses)
            text = open_review_text(repo, due.school, chosen, accesses, reviewer)
            message = render("reviews/open-commit.txt.j2", school=due.school, name=repo.location_name(due.school),
                             period=chosen, reviewer=reviewer, file=due.file, office=is_office(repo, due.school))
            try:
                entry["commit"] = commit_to_branch(root, due.branch, {due.file: text}, message).commit
            except BranchError as exc:
                click.echo(f"rolebook: {exc}", err=True)
                sys.exit(EXIT_UNUSABLE)
            if out_dir is not None:
                review = ReviewFile.model_validate(yaml.safe_load(text))
                out_dir.mkdir(parents=True, exist_ok=True)
                entry["body_file"] = str(out_dir / f"{due.school}.md")
                write_atomic(out_dir / f"{due.school}.md", render_body(repo, review, due.file, list(due.reviewers)))
        opened.append(entry)
    skipped = [{"school": s.school, "reason": s.reason, "pr": s.pr} for s in plan.skipped]
    if output_format == "json":
        echo_json({"period": chosen, "due": True, "opened": opened, "skipped": skipped, "left": plan.left})
        return
    for entry in opened:
        click.echo(f"{'due' if dry_run else 'prepared'} {entry['branch']}: reviewers "
                   f"{', '.join(entry['reviewers']) or '(none)'}")  # type: ignore[arg-type]
    for skip in skipped:
        click.echo(f"skipped {skip['school']}: {skip['reason']}")
    if plan.left:
        click.echo(f"{plan.left} more due: the next run continues (--max {limit}).")


def decide_from_body(repo: Repository, root: Path, body_path: Path, school: str | None, period: str | None,
                     editor: str | None, output_format: str) -> None:
    """`review decide --from-pr-body`: the body's ticks into the review file; completed when confirmed."""
    try:
        body = body_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"rolebook: {body_path}: cannot read the pull request body: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    marker = REVIEW_MARKER.search(body)
    code = school or (marker.group(1) if marker else None)
    chosen = period or (marker.group(2) if marker else None)
    if code is None or chosen is None:
        click.echo(f"rolebook: {body_path}: no '<!-- rolebook:review CODE PERIOD -->' marker; give --school and "
                   "--period, or pass the review pull request's body unchanged.", err=True)
        sys.exit(EXIT_UNUSABLE)
    if code not in repo.schools and code not in repo.offices:
        click.echo(f"rolebook: no school or office with code '{code}' in access/district.yaml.", err=True)
        sys.exit(EXIT_UNUSABLE)
    if editor is None:
        click.echo("rolebook: --from-pr-body needs --reviewer LOGIN: the GitHub login that edited the body.", err=True)
        sys.exit(EXIT_UNUSABLE)
    loaded, text = load_review(repo, root, code, chosen)
    if loaded.model.status is ReviewStatus.completed:
        click.echo(f"rolebook: {loaded.file} is completed already; a completed review is changed only by a new "
                   "pull request.", err=True)
        sys.exit(EXIT_FINDINGS)
    try:
        ticks = parse_body(body, loaded.model, role_names(repo))
    except BodyError as exc:
        click.echo(f"rolebook: {body_path}: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    check_decider(repo, code, editor, None)
    reviewer = loaded.model.reviewer
    if reviewer is None or (reviewer.lower() != editor.lower() and not any(
            item.decision is not None and item.decided_by is None for item in loaded.model.items)):
        text = set_fields(text, {"reviewer": editor})  # the pre-filled reviewer has decided nothing yet
        reviewer = editor
    new_text, result = decide_from_ticks(
        text, ticks, decider=editor, decider_employee=login_index(repo).get(editor.lower()), reviewer=reviewer,
        default_reason=f"decided in the review pull request by {editor}")
    complete = ticks.confirmed and not result.undecided
    if complete:
        new_text = set_fields(new_text, {"status": ReviewStatus.completed.value, "reviewed_on": today()})
    write_atomic(root / loaded.file, new_text)
    problems = review_problems(load_or_exit(root), loaded.file) if complete else []
    if problems:
        new_text = set_fields(new_text, {"status": ReviewStatus.open.value, "reviewed_on": None})
        write_atomic(root / loaded.file, new_text)
    status = "completed" if complete and not problems else "open"
    report = {"school": code, "period": chosen, "file": loaded.file, "branch": review_branch(code, chosen),
              "decider": editor, "confirmed": ticks.confirmed, "status": status, "decided": result.decided,
              "changed": result.changed, "own": result.own, "undecided": result.undecided, "problems": problems}
    if output_format == "json":
        echo_json(report)
    else:
        for line in result.decided:
            click.echo(f"{loaded.file}: {line}")
        for line in result.changed:
            click.echo(f"changed on purpose (the body says otherwise now): {line}")
        for line in result.own:
            click.echo(f"left to the local district's approvers (your own access): {line}")
        if status == "completed":
            click.echo(f"{loaded.file}: completed on {today().isoformat()} by {editor}; approve the pull request.")
        elif not ticks.confirmed:
            click.echo(f"{loaded.file}: stays open until the last box, 'I have reviewed every grant above', is ticked.")
        elif result.undecided:
            click.echo(f"{loaded.file}: stays open: {len(result.undecided)} grant(s) undecided "
                       f"({'; '.join(result.undecided)}).")
    for line in problems:
        click.echo(line, err=True)
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)

