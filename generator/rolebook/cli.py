"""The `rolebook` command line. One module per command in `rolebook.commands`, loaded on demand.

Exit codes, the same for every command: 0 ok, 1 findings (policy errors, approvals missing),
2 the data cannot be loaded or the command was used wrongly.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from typing import NoReturn

import click

# pydantic looks for plugins in the metadata of every installed package when first imported: tens of
# milliseconds on every command, for plugins Rolebook does not use.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# name -> (module in rolebook.commands, one-line help). Adding a command touches this table and its module.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "Check the repository against the district's policy."),
    "rules": ("rules", "List the policy rules, with their codes, severities and explanations."),
    "roles": ("roles", "List roles, or show one."),
    "who-has": ("who_has", "Who holds a role, everywhere or at one school."),
    "access": ("access", "Everything one person can reach, and how they got it."),
    "schema": ("schema", "Write the JSON Schema of every file kind, for editors."),
    "codeowners": ("codeowners", "Write .github/CODEOWNERS from the data."),
    "approvals": ("approvals", "The approval gate: which approvals a pull request still needs."),
    "request": ("request", "Request a role for someone at a school (a branch and a commit)."),
    "revoke": ("revoke", "Remove a role, or all access, from someone at a location."),
    "transfer": ("transfer", "Move someone's access: remove at the old school, request at the new."),
    "offboard": ("offboard", "Remove every grant of separated staff from an HR export."),
    "build": ("build", "Build the site: the public role guide or the internal audit site."),
    "serve": ("serve", "Build and preview the site locally."),
    "review": ("review", "Six-monthly access reviews: open, decide, apply."),
    "hr": ("hr", "Synchronise the staff directory with the HR export."),
    "logins": ("logins", "Import the MIS login export (last logins, dormant accounts)."),
    "drift": ("drift", "Compare the live SIS's user roles with the repository."),
    "init": ("init", "Start a new district's repository from its schools CSV and a few answers."),
    "import": ("import_sis", "Import today's access from the SIS's Security Audit Reports and the HR export."),
    "apply": ("apply", "Make the live systems follow the repository: SCIM provisioning, or the SIS import file."),
    "lock": ("lock", "Lock someone's access at a location (a pull request, like the others)."),
    "suspend": ("suspend", "Suspend someone's access at a location (a pull request, like the others)."),
    "reinstate": ("reinstate", "Reinstate locked or suspended access, or restore a lost super user."),
    "record-approvals": ("record_approvals", "Record a merged pull request's approvals in Git, from GitHub's reviews."),
    "ask-reviewers": ("ask_reviewers", "Ask the approvers a pull request still needs, and keep one checklist comment."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _) in COMMANDS.items() if _module_exists(module)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _module_exists(COMMANDS[cmd_name][0]):
            return None
        module = importlib.import_module(f"rolebook.commands.{COMMANDS[cmd_name][0]}")
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"rolebook.commands.{module}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rolebook")
def cli() -> None:
    """Rolebook: staff access to student records, as code.

    \b
    Exit codes: 0 ok, 1 findings, 2 cannot load the data or bad usage.
    """


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except SystemExit as done:
        _leave(done.code)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        sys.exit(130)
    except Exception as exc:  # the last guard: a person never sees a traceback unless they ask for one
        if os.environ.get("ROLEBOOK_DEBUG"):
            raise
        click.echo(f"rolebook: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Set ROLEBOOK_DEBUG=1 to see the details, and please report it.", err=True)
        sys.exit(2)


def _leave(code: object) -> NoReturn:
    """Exit at once, once everything printed is out.

    A validation of a large district leaves millions of objects that normal interpreter shutdown frees
    one by one (a third of a second at 1,000 schools) for nothing: the operating system takes the
    memory back anyway. Files are written whole and closed by the commands (`fileio.write_atomic`,
    `with` blocks), and nothing registers exit handlers, so what is left is to wait for the threads that
    remove an earlier build's folders (as shutdown would) and to flush the output.
    ROLEBOOK_DEBUG=1 keeps the usual shutdown.
    """
    if isinstance(code, str):  # sys.exit("message"): Python prints it and exits with 1
        click.echo(code, err=True)
        code = 1
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if os.environ.get("ROLEBOOK_DEBUG"):
        sys.exit(status)
    for thread in threading.enumerate():  # what shutdown would wait for: removing a build's old folders
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing more can be said
            pass
    os._exit(status)
