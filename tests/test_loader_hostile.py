"""The loader is strict, safe and kind: every malformed or hostile input gets file:line and exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_mini_repo, run_cli

GRANTS = "access/schools/100/grants.yaml"
HEADER = 'location: "100"\ngrants:\n'
OK_GRANT = '  - employee: "10000001"\n    roles: [principal]\n    granted: 2026-08-01\n    expires: 2027-07-31\n'


def grants(body: str) -> dict[str, str]:
    return {GRANTS: HEADER + OK_GRANT + body}


# (id, files laid over the mini repo, file named in the error, line, words the message must contain)
CASES = [
    ("unquoted-employee-number",
     grants('  - employee: 01234567\n    roles: [teacher]\n    granted: 2026-08-01\n'),
     GRANTS, 7, r"read as a number.*quote|quote"),
    ("yaml11-boolean-in-string",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n    reason: no\n'),
     GRANTS, 10, r"true/false"),
    ("yaml11-on-in-list",
     grants('  - employee: "10000003"\n    roles: [teacher, on]\n    granted: 2026-08-01\n'),
     GRANTS, 8, r"true/false"),
    ("true-in-text-field",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n    reason: true\n'),
     GRANTS, 10, r"read this as true"),
    ("duplicate-key",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    roles: [principal]\n    granted: 2026-08-01\n'),
     GRANTS, 9, r"duplicate key 'roles'"),
    ("unknown-field-typo",
     grants('  - employee: "10000003"\n    rolse: [teacher]\n    granted: 2026-08-01\n'),
     GRANTS, 8, r"unknown field 'rolse'.*did you mean 'roles'"),
    ("python-tag",
     grants('  - employee: "10000003"\n    roles: !!python/object/apply:os.system ["echo pwned"]\n'
            '    granted: 2026-08-01\n'),
     GRANTS, 8, r"tags"),
    ("custom-tag",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: !date 2026-08-01\n'),
     GRANTS, 9, r"tags"),
    ("alias-bomb",
     {GRANTS: 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
              'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
              'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'},
     GRANTS, 1, r"anchors and aliases"),
    ("syntax-error-unclosed-bracket",
     grants('  - employee: "10000003"\n    roles: [teacher\n    granted: 2026-08-01\n'),
     GRANTS, None, r"not valid YAML"),
    ("bad-indentation",
     grants('  - employee: "10000003"\n   roles: [teacher]\n'),
     GRANTS, None, r"not valid YAML"),
    ("empty-roles",
     grants('  - employee: "10000003"\n    roles: []\n    granted: 2026-08-01\n'),
     GRANTS, 8, r"must not be empty"),
    ("seven-digit-employee",
     grants('  - employee: "1234567"\n    roles: [teacher]\n    granted: 2026-08-01\n'),
     GRANTS, 7, r"8-digit employee number"),
    ("bad-date",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-13-45\n'),
     GRANTS, 9, r"not a date"),
    ("expires-before-granted",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n    expires: 2026-01-01\n'),
     GRANTS, 7, r"before granted"),
    ("unknown-status",
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n    status: enabled\n'),
     GRANTS, 10, r"'enabled' is not allowed.*active"),
    ("missing-required",
     grants('  - employee: "10000003"\n    granted: 2026-08-01\n'),
     GRANTS, 7, r"required field 'roles'"),
    ("mapping-as-a-key",  # yaml-rs cannot hash it: once an internal error
     grants('  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n'
            '    ? {a: {b: c}}\n    : d\n'),
     GRANTS, 10, r"list or mapping is used as a key"),
    ("top-level-list",
     {GRANTS: "- employee: '10000003'\n"},
     GRANTS, 1, r"expected a mapping"),
    ("location-mismatch",
     {GRANTS: 'location: "200"\ngrants: []\n'},
     GRANTS, 1, r"does not match the folder"),
    ("unquoted-location-code",
     {GRANTS: 'location: 100\ngrants: []\n'},
     GRANTS, 1, r"read as a number"),
    ("not-utf8",
     {GRANTS: None},
     GRANTS, 3, r"not UTF-8"),
    ("html-in-staff-name-is-fine-but-staff-typo-is-not",
     {"access/staff.yaml": 'staff:\n  - {employee: "10000001", last_name: "<b>Park</b>", first_name: Pat, '
                           'staff_type: teacher, position: Principal, hr_status: processed}\n'},
     "access/staff.yaml", 2, r"'teacher' is not allowed.*certificated"),
    ("role-file-name-mismatch",
     {"roles/counselor.yaml": None},
     None, None, None),  # replaced below: a role whose id differs from its file
]


def _prepare(root: Path, case_id: str, files: dict[str, str | None]) -> None:
    make_mini_repo(root, files)
    if case_id == "not-utf8":
        (root / GRANTS).write_bytes(b'location: "100"\ngrants: []\n# caf\xe9\n')
    if case_id == "role-file-name-mismatch":
        text = (root / "roles" / "teacher.yaml").read_text(encoding="utf-8")
        (root / "roles" / "teachr.yaml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case_id,files,file,line,pattern", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_with_file_line_and_exit_2(tmp_path, case_id, files, file, line, pattern):
    root = tmp_path / "repo"
    _prepare(root, case_id, files)
    if case_id == "role-file-name-mismatch":
        file, line, pattern = "roles/teachr.yaml", None, r"does not match the file name"
    result = run_cli("roles", "--repo", str(root))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    located = re.findall(rf"^{re.escape(file)}:(\d+):(\d+): (.*)$", result.stderr, re.MULTILINE)
    assert located, f"no {file}:line:col error in:\n{result.stderr}"
    if line is not None:
        assert any(int(found_line) == line for found_line, _, _ in located), result.stderr
    assert re.search(pattern, result.stderr, re.IGNORECASE | re.DOTALL), result.stderr
    assert "fix:" in result.stderr


def test_errors_are_collected_across_files(tmp_path):
    root = make_mini_repo(tmp_path / "repo", {
        GRANTS: HEADER + '  - employee: 1234\n    roles: [teacher]\n    granted: 2026-08-01\n',
        "access/schools/200/grants.yaml": 'location: "200"\ngrants:\n  - {employee: "20000001", roles: [x], '
                                          'granted: 2026-08-01, colour: red}\n',
    })
    result = run_cli("roles", "--repo", str(root))
    assert result.returncode == 2
    assert "access/schools/100/grants.yaml:3" in result.stderr
    assert "access/schools/200/grants.yaml:3" in result.stderr
    assert "in 2 file(s)" in result.stderr


def test_oversized_file_is_refused_without_parsing(tmp_path):
    root = make_mini_repo(tmp_path / "repo")
    from rolebook.loading import LoadFailed, load_repository, yamlfile

    original = yamlfile.MAX_FILE_BYTES
    try:
        yamlfile.read_yaml.__kwdefaults__["max_bytes"] = 100
        with pytest.raises(LoadFailed) as failed:
            load_repository(root)
    finally:
        yamlfile.read_yaml.__kwdefaults__["max_bytes"] = original
    assert any("over the limit" in e.message for e in failed.value.errors)


def test_alias_bomb_is_refused_quickly_and_never_expanded(tmp_path):
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    root = make_mini_repo(tmp_path / "repo", {GRANTS: bomb})
    from rolebook.loading import LoadFailed, load_repository

    with pytest.raises(LoadFailed) as failed:
        load_repository(root)
    assert all(e.file == GRANTS for e in failed.value.errors)


def test_quoted_no_is_text_and_loads(tmp_path):
    root = make_mini_repo(tmp_path / "repo", grants(
        '  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n    reason: "no"\n'))
    from rolebook.loading import load_repository

    repo = load_repository(root)
    assert repo.grants["100"].model.grants[1].reason == "no"


def test_ampersand_in_text_is_not_mistaken_for_an_anchor(tmp_path):
    root = make_mini_repo(tmp_path / "repo", grants(
        '  - employee: "10000003"\n    roles: [teacher]\n    granted: 2026-08-01\n'
        '    reason: Health & Human Services * review\n'))
    from rolebook.loading import load_repository

    repo = load_repository(root)
    assert repo.grants["100"].model.grants[1].reason == "Health & Human Services * review"


def test_content_read_from_git_gets_the_same_size_limit_as_a_file(tmp_path):
    from rolebook.loading.yamlfile import parse_bytes

    parsed = parse_bytes(b"location: x\n" * 20, tmp_path / "grants.yaml", GRANTS, max_bytes=100)
    assert parsed.data is None
    assert [e.message for e in parsed.errors] == ["file is 240 bytes, over the limit of 100"]
