"""`rolebook import`: today's access from the SIS's Security Audit Reports and the HR export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_UNUSABLE, find_repo, load_or_exit, repo_option, today

DEFAULT_BRANCH = "import/sis-{date}"


@click.command(name="import")
@click.option("--report", "reports", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Security Audit Report export, CSV or XLSX (one per school, or one for the district). "
                   "Repeat for each file.")
@click.option("--hr-export", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The HR export (CSV), for the staff directory; its columns as access/hr-mapping.yaml maps them.")
@click.option("--hr-mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The HR export's column mapping, instead of access/hr-mapping.yaml.")
@click.option("--role-map", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="YAML mapping the SIS's role names to role ids (`Health Office Clerk: health-office`; "
                   "null leaves a role out).")
@click.option("--branch", default=None, help=f"Branch to commit on (default {DEFAULT_BRANCH}).")
@click.option("--no-branch", is_flag=True, help="Write the files in place instead of committing on a branch.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@repo_option
def command(reports: tuple[Path, ...], hr_export: Path | None, hr_mapping: Path | None, role_map: Path | None,
            branch: str | None, no_branch: bool, dry_run: bool, repo_path: Path | None) -> None:
    """Import who holds which role where from the SIS, and who everyone is from HR.

    \b
    At every location the reports cover, the grants files come to say what the SIS says (other
    locations are left alone); the staff directory takes the HR export. Role names not in the
    catalog need --role-map (suggestions are printed). Rows that cannot be imported are listed with
    their file and line. Nothing is written unless everything else is read and the result loads.
    By default the change is one commit on a branch, ready for a pull request.
    Exit codes: 0 imported (or nothing to change), 2 bad input (nothing written).
    """
    from rolebook.adoption import AdoptionError
    from rolebook.adoption.sis_import import ImportInput, plan_import, write_import

    root = find_repo(repo_path)
    repo = load_or_exit(root)
    day = today()
    try:
        plan = plan_import(root, repo, ImportInput(list(reports), hr_export, role_map, hr_mapping), day)
        for problem in plan.skipped:
            click.echo(f"not imported: {problem}", err=True)
        if plan.skipped:
            click.echo(f"{len(plan.skipped)} row(s) not imported (listed above); the other rows were.", err=True)
        for line in plan.summary():
            click.echo(line)
        if not plan.files:
            click.echo("Nothing to change: the repository already says what the SIS says.")
            return
        if dry_run:
            click.echo("Would change: " + ", ".join(sorted(plan.files)))
            return
        target = None if no_branch else (branch or DEFAULT_BRANCH.format(date=day.isoformat()))
        result = write_import(root, plan, branch=target, today=day)
    except AdoptionError as exc:
        click.echo(f"rolebook import: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    if result is None:
        click.echo(f"Wrote {len(plan.files)} file(s). Next: `rolebook validate` for the first audit.")
    else:
        click.echo(f"Committed {len(plan.files)} file(s) on branch {result.branch} ({(result.commit or '')[:12]}): "
                   f"push it and open a pull request.")
