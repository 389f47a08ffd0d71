"""`rolebook ask-reviewers`: who to request as reviewers, and the checklist comment, from the gate's verdict.

The approval-gate workflow runs `rolebook approvals --format json`, then this, then makes the two REST
calls it prints (request reviewers; update or post the comment) with a token that may do only that.
Exit codes: 0 done (even when nobody is left to ask), 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.approvals import BadInput
from rolebook.commands.common import EXIT_OK, EXIT_UNUSABLE, echo_json, find_repo, repo_option

JSON_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command(name="ask-reviewers")
@click.option("--gate", "gate_file", type=JSON_FILE, required=True,
              help="The gate's verdict: the output of `rolebook approvals --format json`.")
@click.option("--event", "event_file", type=JSON_FILE, required=True,
              help="The pull request as the REST API gives it, wrapped as {\"pull_request\": ...}.")
@click.option("--comments", "comments_file", type=JSON_FILE,
              help="The pull request's issue comments, the REST list (gh api --paginate output is fine).")
@repo_option
def command(gate_file: Path, event_file: Path, comments_file: Path | None, repo_path: Path | None) -> None:
    """Print, as JSON, the users and teams to request (for the approvals still missing) and the sticky
    checklist comment: the id of the bot's existing comment (or null) and the body to write.

    \b
    Never asks the author or anyone already requested; a group with `github_team` in access/groups.yaml
    is asked as that team; at most 15 users and teams are requested on a pull request (GitHub's limit),
    and each missing approval gets its first approver asked before any gets a second.
    """
    from rolebook.approvals import review_requests as asking

    try:
        gate = asking.parse_gate(asking.read_json(gate_file, "gate verdict"), str(gate_file))
        pull = asking.parse_pull(asking.read_json(event_file, "pull request"), str(event_file))
        comment_id = None
        if comments_file is not None:
            comment_id = asking.sticky_comment(asking.read_json(comments_file, "comment list"), str(comments_file))
        planned = asking.plan_requests(gate, pull, asking.read_team_slugs(find_repo(repo_path)))
        planned.comment_id = comment_id
        planned.body = asking.checklist_body(gate, str(gate_file))
    except BadInput as exc:
        click.echo(f"rolebook ask-reviewers: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    echo_json(planned.as_dict())
    sys.exit(EXIT_OK)
