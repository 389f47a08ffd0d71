"""Journey 1: the validator's comment tells the approver who gains what, whether HR knows them, and the count."""

from __future__ import annotations

import json

from conftest import git, git_init, make_mini_repo, run_cli, write_files

CLERK = ('  - {employee: "10000004", last_name: Lopez, first_name: Lucia, staff_type: classified, '
         'position: Health Office Clerk, hr_status: processed, locations: ["100"]}\n')


def test_pull_request_summary_explains_the_request_in_plain_words(tmp_path):
    root = make_mini_repo(tmp_path / "repo")
    write_files(root, {"access/staff.yaml": (root / "access/staff.yaml").read_text() + CLERK})
    git_init(root)
    git(root, "checkout", "-q", "-b", "request-health-office")
    grants = (root / "access/schools/100/grants.yaml").read_text()
    write_files(root, {"access/schools/100/grants.yaml": grants + (
        "  - employee: \"10000004\"\n    roles: [health-office]\n    granted: 2026-11-20\n"
        "    expires: 2027-06-30\n    reason: New health office clerk\n")})
    git(root, "commit", "-qam", "Request Health Office for Lucia Lopez")

    markdown = run_cli("validate", "--base", "main", "--format", "markdown", "--repo", str(root))
    assert "Lucia Lopez (10000004) is known to HR, the record is processed, the staff type is classified" \
        in markdown.stdout.replace("\\", "")
    assert "Health Office at Maple Elementary now has 2 holders, against a minimum of 2" in markdown.stdout
    assert "| ➕ gains | Lucia Lopez (10000004) | Health Office | Maple Elementary | moderate | Health | direct |" \
        in markdown.stdout

    data = json.loads(run_cli("validate", "--base", "main", "--format", "json", "--repo", str(root)).stdout)
    [check] = data["request_checks"]
    assert (check["employee"], check["holders_after"], check["minimum"], check["staff_type"]) == \
        ("10000004", 2, 2, "classified")


def test_an_unknown_employee_is_said_plainly(tmp_path):
    root = git_init(make_mini_repo(tmp_path / "repo"))
    git(root, "checkout", "-q", "-b", "request")
    grants = (root / "access/schools/100/grants.yaml").read_text()
    write_files(root, {"access/schools/100/grants.yaml": grants + (
        "  - employee: \"12345678\"\n    roles: [teacher]\n    granted: 2026-11-20\n    expires: 2027-06-30\n")})
    result = run_cli("validate", "--base", "main", "--repo", str(root))
    assert result.returncode == 1
    assert "employee 12345678 is NOT in the HR staff directory" in result.stdout
