"""`rolebook init TARGET`: a new district's repository from its schools CSV and a few answers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolebook.commands.common import EXIT_UNUSABLE, today


def _ask(value: str | None, option: str, question: str) -> str:
    """The option's value; when it is missing, ask, but only a person at a terminal."""
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise click.UsageError(f"missing {option} (or run in a terminal to be asked)")
    answer: str = click.prompt(question)
    return answer


@click.command(name="init")
@click.argument("target", type=click.Path(file_okay=True, path_type=Path))
@click.option("--schools", "schools_csv", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV of the district's schools, columns code, name, level, enrollment, cluster.")
@click.option("--district-name", default=None, help="The district's name, as the role guide shows it.")
@click.option("--admin", "admins", multiple=True, metavar="EMPLOYEE:LOGIN:NAME",
              help="An access administrator (at least three): employee number, GitHub username and name, "
                   "e.g. '00123456:ada-lovelace:Ada Lovelace'. Repeat for each.")
@click.option("--identity-provider", default=None,
              help="Where staff sign in to the SIS (e.g. 'Microsoft Entra ID'); named in the README.")
@click.option("--catalog", type=click.Choice(["demo", "none"]), default="demo", show_default=True,
              help="demo: the 58 roles of the Rolebook template as a starting point; none: an empty catalog.")
@click.option("--github-repo", default=None, metavar="OWNER/NAME",
              help="The repository on GitHub: the role guide links its Access request form.")
@click.option("--office-code", default="DO", show_default=True, help="Code of the district office's location.")
@click.option("--office-name", default="District Office", show_default=True, help="Its name.")
@click.option("--install", default=None, metavar="REQUIREMENT",
              help="How the workflows install Rolebook (a pip requirement; default '.' in a copy of the "
                   "template, else 'rolebook').")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty, replacing roles/ and access/.")
def command(target: Path, schools_csv: Path | None, district_name: str | None, admins: tuple[str, ...],
            identity_provider: str | None, catalog: str, github_repo: str | None, office_code: str,
            office_name: str, install: str | None, force: bool) -> None:
    """Start a district's access repository in TARGET.

    \b
    Writes the catalog and policy (roles/), the district with its schools and local districts, the
    reviewer groups, the access administrators and empty grants files (access/), the GitHub workflows,
    the access-request form listing the district's roles and schools, CODEOWNERS, mkdocs.yml and a README.
    Nothing is written when the schools CSV has a bad row. Missing answers are asked in a terminal.
    Exit codes: 0 written, 2 bad input (nothing written).
    """
    from rolebook.adoption import AdoptionError
    from rolebook.adoption.init import InitAnswers, init_repository, parse_administrator

    try:
        csv_path = Path(_ask(str(schools_csv) if schools_csv else None, "--schools", "Schools CSV"))
        name = _ask(district_name, "--district-name", "District name")
        given = list(admins)
        if not given:
            given = [_ask(None, "--admin", f"Access administrator {n} (EMPLOYEE:LOGIN:NAME)") for n in (1, 2, 3)]
        provider = _ask(identity_provider, "--identity-provider", "Identity provider (where staff sign in)")
        answers = InitAnswers(name, csv_path, [parse_administrator(text) for text in given], provider,
                              catalog=catalog, github_repo=github_repo, office_code=office_code,
                              office_name=office_name, install=install)
        result = init_repository(target, answers, force=force, today=today())
    except AdoptionError as exc:
        click.echo(f"rolebook init: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    click.echo(f"Wrote {len(result.files)} files to {result.target}: {result.schools} schools in "
               f"{result.clusters} local district(s), {result.roles} roles.")
    click.echo("Next: `rolebook validate`, then `rolebook import` for today's access (see README.md).")
