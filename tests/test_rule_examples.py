"""Every rule's docstring examples: FAIL yields the rule's code, PASS does not. The docs cannot drift."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, make_mini_repo
from rolebook.loading import LoadFailed, load_repository
from rolebook.model.findings import Severity
from rolebook.output.site.markup import rule_doc_blocks
from rolebook.policy.check import run_rules
from rolebook.policy.rules import all_rules
from rolebook.policy.rules.base import Rule
from rolebook.policy.rules.examples import ExampleError, RuleExample, rule_examples, split_doc


def cases(rules: list[type[Rule]]) -> list[Any]:
    """One test per example of each rule; a docstring that cannot be read fails the collection."""
    return [pytest.param(rule, example, id=f"{rule.code}-{example.kind}-{number}")
            for rule in rules
            for number, example in enumerate(rule_examples(rule), start=1)]


RULES = all_rules()
CASES = cases(RULES)


def _load(root: Path) -> object:
    try:
        return load_repository(root)
    except LoadFailed as failed:  # an example that does not load is a bug in the docstring
        pytest.fail("example does not load:\n" + "\n".join(e.format() for e in failed.errors))


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule: type[Rule], example: RuleExample, tmp_path: Path) -> None:
    head = _load(make_mini_repo(tmp_path / "head", example.files))
    base = _load(make_mini_repo(tmp_path / "base", example.base_files)) if example.base_files is not None else None
    report = run_rules(head, dt.date.fromisoformat(TODAY), base=base)  # type: ignore[arg-type]
    codes = [f for f in report.findings if f.code == rule.code]
    if example.kind == "fail":
        assert codes, f"{rule.code} FAIL example produced no {rule.code} finding"
        for finding in codes:
            assert finding.message and finding.hint, "every finding names the problem and the fix"
            assert finding.line >= 1
    else:
        assert not codes, f"{rule.code} PASS example produced: {[f.message for f in codes]}"


# The policy families of issue 3. Rules of other families (e.g. RB6xx, repository hygiene) are held to
# the same contract by their own authors; their examples, when they have them, still run above.
POLICY_RULES = [r for r in RULES if r.code[2] in "12345"]


@pytest.mark.parametrize("rule", POLICY_RULES, ids=[r.code for r in POLICY_RULES])
def test_every_rule_is_documented(rule: type[Rule]) -> None:
    prose, examples = split_doc(rule.doc(), rule)
    kinds = {e.kind for e in examples}
    assert {"pass", "fail"} <= kinds, f"{rule.code} needs at least one PASS and one FAIL example"
    assert "Why:" in prose and "Fix:" in prose, f"{rule.code}'s docstring says why it exists and how to fix"
    assert rule.summary and rule.name and rule.sources
    assert isinstance(rule.severity, Severity)


def test_codes_are_stable_and_grouped() -> None:
    families = {"1": "people", "2": "roles", "3": "numbers", "4": "lifecycle", "5": "integrity"}
    for rule in POLICY_RULES:
        assert rule.code[:2] == "RB" and len(rule.code) == 5
        assert rule.__module__.rsplit(".", 1)[-1] == families[rule.code[2]], rule.code
    assert len({r.name for r in RULES}) == len(RULES)
    assert len(POLICY_RULES) >= 30


def test_mini_repo_has_no_errors(mini_repo: Path) -> None:
    report = run_rules(load_repository(mini_repo), dt.date.fromisoformat(TODAY))
    assert [f"{f.code} {f.file}:{f.line} {f.message}" for f in report.errors] == []


class MisspeltExample(Rule):
    """Why: a rule whose example kind is misspelt, which the site used to publish as "Passes".

    .. rule-example:: fial
       access/schools/100/grants.yaml: |
         location: "100"
         grants: []

    Fix: write `pass` or `fail`.
    """

    code = "RB999"
    name = "misspelt-example"
    severity = Severity.error
    summary = "A rule with a misspelt example kind."


def _misspelt_at() -> str:
    """file:line of the misspelt directive above, as the error must give it."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    [line] = [n for n, text in enumerate(lines, start=1) if text.strip() == ".. rule-example:: " + "fial"]
    return f"{__file__}:{line}"


def test_an_unknown_example_kind_fails_the_collection_at_its_file_and_line() -> None:
    with pytest.raises(ExampleError) as raised:
        cases([MisspeltExample])
    assert str(raised.value).startswith(f"{_misspelt_at()}: unknown rule-example kind 'fial'")
    assert "pass" in str(raised.value) and "fail" in str(raised.value)


def test_an_unknown_example_kind_fails_the_site_build_at_its_file_and_line() -> None:
    """The site's rule pages read examples with the same parser: a misspelt kind is never published."""
    with pytest.raises(ExampleError) as raised:
        rule_doc_blocks(MisspeltExample.doc(), MisspeltExample)
    assert str(raised.value).startswith(f"{_misspelt_at()}: unknown rule-example kind 'fial'")


def test_site_blocks_are_the_examples_the_tests_run() -> None:
    for rule in RULES:
        shown = [(b.outcome, b.caption, b.text) for b in rule_doc_blocks(rule.doc(), rule) if b.kind == "example"]
        assert shown == [(e.kind, e.title, e.source.strip("\n")) for e in rule_examples(rule)], rule.code
