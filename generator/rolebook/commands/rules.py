"""`rolebook rules [CODE] --format text|json|markdown`: the policy rules, as the site publishes them."""

from __future__ import annotations

import sys

import click

from rolebook.commands.common import EXIT_UNUSABLE, echo_json, format_option
from rolebook.output.templates import render_markdown
from rolebook.policy.rules import all_rules
from rolebook.policy.rules.base import Rule
from rolebook.policy.rules.examples import split_doc


def rule_record(rule: type[Rule]) -> dict[str, object]:
    """The public description of one rule (no personal data: examples use made-up people)."""
    prose, examples = split_doc(rule.doc(), rule)
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "sources": list(rule.sources),
        "local": rule.local,
        "docstring": prose.strip(),
        "examples": [{"kind": e.kind, "title": e.title, "files": e.files, "base_files": e.base_files}
                     for e in examples],
    }


def _markdown(records: list[dict[str, object]]) -> str:
    return render_markdown("validate/rules.md.j2", records=records).rstrip() + "\n"


@click.command(name="rules")
@click.argument("code", required=False)
@format_option("text", "json", "markdown")
def command(code: str | None, output_format: str) -> None:
    """List the policy rules, or explain the rule CODE (e.g. RB301)."""
    rules = all_rules()
    if code is not None:
        wanted = code.strip().upper()
        rules = [r for r in rules if r.code == wanted or r.name == code.strip().lower()]
        if not rules:
            click.echo(f"rolebook: no rule '{code}'. Run `rolebook rules` for the list.", err=True)
            sys.exit(EXIT_UNUSABLE)
    records = [rule_record(r) for r in rules]
    if output_format == "json":
        echo_json(records)
    elif output_format == "markdown":
        click.echo(_markdown(records), nl=False)
    elif code is not None:
        r = records[0]
        click.echo(f"{r['code']} {r['name']} ({r['severity']}; sources {', '.join(r['sources'])})")  # type: ignore[arg-type]
        click.echo(f"{r['summary']}\n\n{r['docstring']}")
        _, examples = split_doc(rules[0].doc(), rules[0])
        for example in examples:
            click.echo(f"\n{example.kind.upper()} example {example.title}".rstrip() + ":")
            click.echo("  " + example.source.rstrip().replace("\n", "\n  "))
    else:
        for r in records:
            click.echo(f"{r['code']}  {r['severity']:<8} {r['name']:<32} {r['summary']}")
