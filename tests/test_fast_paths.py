"""Speed without a change of answer: line positions without compose(), and the validate result cache."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml_rs
from conftest import REPO_ROOT, git, run_cli
from rolebook.loading.yamlfile import ParsedFile, read_yaml

TRICKY = {
    "block.yaml": """\
        # a comment first
        key:
        - a
        - b:  1
          c: [x, "y", 'z']
        -   - n1
            - n2
        "quoted key": {cluster: ld-1, exclude: ["1", '2']}
        'single ''q''': v # c
        desc: |
          text: not a key
          - not an item
        empty:
        after_empty: 3
        nested:
          # comment inside
          deep:

            - k: v
              # c
              j: [ a , b ]
            -
              k: v2
        url: http://x.org/a:b
        colon_value: "a: b"
        """,
    "grants.yaml": """\
        ---
        location: "100"
        grants:
          - employee: "10000001"   # Pat
            roles: [principal,   teacher]
            scope: {all_schools: true}
          - employee: "10000002"
            roles:
              - a
              -  b
            reason: "has: colon"
        """,
    "nested.yaml": "- a\n- b: 1\n  c: 2\n- - p\n  - q\n",
    "crlf.yaml": "a: 1\r\nb: [x]\r\n",
}


def all_paths(data: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += all_paths(value, (*prefix, str(key)))
        found.append((*prefix, "missing"))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += all_paths(value, (*prefix, index))
        found += [(*prefix, len(data)), (*prefix, "x")]
    return found


def same_positions(path: Path) -> None:
    parsed = read_yaml(path, path.name)
    assert not parsed.errors
    composed = ParsedFile(path=path, display=path.name, text=parsed.text)  # compose() once, kept
    for where in all_paths(parsed.data):
        assert parsed.locate(where) == composed.locate_composed(where), where


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_line_reader_agrees_with_compose_on_tricky_layouts(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(textwrap.dedent(TRICKY[name]).encode())
    same_positions(path)


def test_line_reader_agrees_with_compose_on_the_demo_district() -> None:
    files = sorted((REPO_ROOT / "access").rglob("*.yaml")) + sorted((REPO_ROOT / "roles").glob("*.yaml"))
    assert len(files) > 40
    for path in files:
        same_positions(path)


def test_a_large_staff_file_is_located_without_compose(tmp_path: Path) -> None:
    people = "".join(f'  - employee: "{10000000 + i}"\n    last_name: Name\n    locations: ["100"]\n'
                     for i in range(30000))
    path = tmp_path / "staff.yaml"
    path.write_text("staff:\n" + people, encoding="utf-8")
    parsed = read_yaml(path, "staff.yaml")
    assert parsed.locate(("staff", 29999, "locations", 0)) == (1 + 3 * 29999 + 3, 17)
    assert parsed._root is None  # compose() never ran
    assert yaml_rs.loads(parsed.text)["staff"][29999]["employee"] == "10029999"


def test_validate_answers_from_the_cache_until_something_changes(git_repo: Path) -> None:
    env = {"CI": "", "GITHUB_ACTIONS": ""}
    first = run_cli("validate", "--format", "json", cwd=git_repo, env=env)
    assert first.returncode == 0, first.stderr
    cached = list((git_repo / ".rolebook-cache").glob("validate-*.json"))
    assert len(cached) == 1
    again = run_cli("validate", "--format", "json", cwd=git_repo, env=env)
    assert again.stdout == first.stdout and again.returncode == 0
    # An uncommitted edit that breaks a rule is seen at once: the cache key holds the file's content.
    grants = git_repo / "access" / "schools" / "100" / "grants.yaml"
    grants.write_text(grants.read_text(encoding="utf-8").replace("2027-", "2031-"), encoding="utf-8")
    changed = run_cli("validate", "--format", "json", cwd=git_repo, env=env)
    assert changed.stdout != first.stdout
    # A cache file that was committed is never trusted.
    forged = git_repo / ".rolebook-cache" / "validate-forged.json"
    forged.write_text('{"output": "all fine\\n", "summary": null, "blocking": false}', encoding="utf-8")
    git(git_repo, "add", "-f", ".rolebook-cache")
    assert "all fine" not in run_cli("validate", cwd=git_repo, env=env).stdout
