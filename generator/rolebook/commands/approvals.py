"""`rolebook approvals`: the approval gate, meant to be the required status check of branch protection.

Exit codes: 0 every required approval is given on the head commit, 1 some are missing, 2 bad input.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from rolebook.approvals import BadInput, read_json
from rolebook.approvals.verdicts import PullRequest, approvals, merge, parse_event
from rolebook.approvals.verdicts import PullRequestVerdict as Review  # the old names, until this module uses the new
from rolebook.approvals.verdicts import parse_pr_verdict_list as parse_review_list
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
from rolebook.infra.fileio import write_atomic
from rolebook.infra.gcpause import collector_off_for_command


def _fetch(pull: PullRequest) -> list[Review]:
    from rolebook.approvals.fetch import fetch_pr_verdicts as fetch_reviews

    token = os.environ.get("GITHUB_TOKEN")
    if not token:
        raise BadInput("--fetch needs GITHUB_TOKEN in the environment")
    repository = pull.repository or os.environ.get("GITHUB_REPOSITORY")
    if not repository or pull.number is None:
        raise BadInput("--fetch needs the pull request's number and repository (give --event)")
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    return parse_review_list(fetch_reviews(api, repository, pull.number, token), "GitHub API reviews")


def _fetch_commit_logins(pull: PullRequest) -> set[str]:
    """The accounts GitHub matched to the pull request's commits: authors for the gate too."""
    from rolebook.approvals.fetch import fetch_pr_commit_logins

    token, repository = os.environ.get("GITHUB_TOKEN", ""), pull.repository or os.environ.get("GITHUB_REPOSITORY")
    if not token or not repository or pull.number is None:
        raise BadInput("--fetch needs GITHUB_TOKEN and the pull request's number and repository (give --event)")
    return fetch_pr_commit_logins(os.environ.get("GITHUB_API_URL", "https://api.github.com"), repository,
                                  pull.number, token)


@click.command(name="approvals")
@click.option("--event", "event_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A pull_request or pull_request_review webhook payload (e.g. $GITHUB_EVENT_PATH).")
@click.option("--reviews", "review_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The REST list-reviews JSON of the pull request (repeatable).")
@click.option("--fetch", is_flag=True, help="Fetch the reviews from the GitHub API with GITHUB_TOKEN.")
@click.option("--base", "base_ref", help="Base revision (default: pull_request.base.sha of --event).")
@click.option("--head", "head_ref", help="Head revision (default: pull_request.head.sha of --event).")
@click.option("--author", help="The pull request's author (default: pull_request.user.login of --event).")
@click.option("--requester", "requesters", multiple=True,
              help="Whom the pull request was opened for (repeatable): an author too, who cannot approve it. "
                   "Added to the commits' `Requested-by:` trailers and the body's `Requested-by: @login` line.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the Markdown checklist here ($GITHUB_STEP_SUMMARY is appended to when set).")
@format_option("markdown", "json", default="markdown")
@repo_option
def command(event_file: Path | None, review_files: tuple[Path, ...], fetch: bool, base_ref: str | None,
            head_ref: str | None, author: str | None, requesters: tuple[str, ...], summary_file: Path | None,
            output_format: str, repo_path: Path | None) -> None:
    """Which approvals the pull request still needs, per changed grant, from the base branch's reviewers."""
    try:
        code = _run(event_file, review_files, fetch, base_ref, head_ref, author, requesters, summary_file,
                    output_format, repo_path)
    except BadInput as exc:
        click.echo(f"rolebook approvals: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    sys.exit(code)


def _run(event_file: Path | None, review_files: tuple[Path, ...], fetch: bool, base_ref: str | None,
         head_ref: str | None, author: str | None, requesters: tuple[str, ...], summary_file: Path | None,
         output_format: str, repo_path: Path | None) -> int:
    pull = PullRequest(None, None, None, None, None)
    event_reviews: list[Review] = []
    if event_file is not None:
        pull, event_reviews = parse_event(read_json(event_file, "event payload"), str(event_file))
    listed: list[Review] = []
    for path in review_files:
        listed.extend(parse_review_list(read_json(path, "review list"), str(path)))
    commit_logins: set[str] = set()  # with --fetch: the accounts of the pull request's commits
    if fetch:
        listed.extend(_fetch(pull))
        commit_logins = _fetch_commit_logins(pull)
    base_ref, head_ref, author = base_ref or pull.base_sha, head_ref or pull.head_sha, author or pull.author
    if not base_ref or not head_ref:
        raise BadInput("give --base and --head, or --event with a pull_request payload")
    if not author:
        raise BadInput("give --author, or --event with a pull_request payload (its user.login)")
    root = find_repo(repo_path)
    with collector_off_for_command():  # the imports too: the gate is short
        from rolebook.approvals.revisions import read_git, revisions
        from rolebook.infra.git import in_background
        found = in_background(lambda: read_git(root, base_ref, head_ref))
        from rolebook.approvals.authors import commit_people, requester_identities, requesters_in
        from rolebook.approvals.gate import apply_approvals, requirements

        git_revisions = found()
        # Who pushed to the pull request, and for whom, is read by Git while the revisions load.
        pushed_by = in_background(lambda: commit_people(root, git_revisions.base_sha, git_revisions.head_sha))
        asked_by = requesters_in(pull.body or "").union(*(requester_identities(r) for r in requesters))
        with revisions(root, git_revisions) as revs:
            people = pushed_by()
            result = requirements(revs, author, today(), people.authors | commit_logins,
                                  people.requesters | asked_by)
    from rolebook.approvals.verdicts import ignored_verdicts  # deleted accounts: said, never counted

    verdicts = merge(event_reviews, listed)
    apply_approvals(result, approvals(verdicts, result.head_sha, author), ignored_verdicts(verdicts))
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    markdown = ""
    if output_format == "markdown" or summary_file is not None or step_summary:
        from rolebook.approvals.checklist import render_markdown

        markdown = render_markdown(result)
    if summary_file is not None:
        write_atomic(summary_file, markdown)
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    if output_format == "json":
        echo_json(result.as_dict())
    else:
        click.echo(markdown, nl=False)
    return EXIT_OK if result.satisfied else EXIT_FINDINGS
