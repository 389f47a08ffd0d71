"""`rolebook validate` and `rolebook rules` through the real CLI: formats, grouping and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TODAY, make_mini_repo, run_cli, write_files

BAD_GRANTS = {
    # A secondary-only role at an elementary school (RB203) and an expired grant (RB401, a warning).
    "access/schools/100/grants.yaml": """
        location: "100"
        grants:
          - employee: "10000001"
            roles: [principal]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "10000003"
            roles: [teacher, counselor-plus]
            granted: 2026-08-01
            expires: 2027-07-31
          - employee: "10000002"
            roles: [office-manager]
            granted: 2025-08-01
            expires: 2026-07-31
        """,
}


@pytest.fixture
def bad_repo(tmp_path: Path) -> Path:
    root = make_mini_repo(tmp_path / "repo", BAD_GRANTS)
    # A name with Markdown and HTML in it, which the summary must show as text.
    staff = (root / "access/staff.yaml").read_text()
    (root / "access/staff.yaml").write_text(staff.replace("first_name: Carl", 'first_name: "Carl|<b>x</b>"'))
    return root


def test_clean_repo_exits_0_with_summary(mini_repo: Path) -> None:
    result = run_cli("validate", "--repo", str(mini_repo))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"ok: 0 errors, \d+ warnings?, 0 notices in \d+ files?", result.stdout)


def test_text_output_groups_findings_by_file(bad_repo: Path) -> None:
    result = run_cli("validate", "--repo", str(bad_repo))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    header = lines.index("access/schools/100/grants.yaml")
    block = lines[header + 1:lines.index("", header)]
    assert any("error" in line and "RB203" in line and "Counselor Plus" in line for line in block)
    assert any("warning" in line and "RB401" in line for line in block)
    assert any(line.strip().startswith("fix:") for line in block)
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a terminal: no escape codes
    assert re.search(r"failed: 1 error, \d+ warnings, 0 notices in \d+ files", lines[-1])


def test_colour_on_request(bad_repo: Path) -> None:
    result = run_cli("validate", "--repo", str(bad_repo), "--color")
    assert "\x1b[31m" in result.stdout


def test_json_is_the_public_contract(bad_repo: Path) -> None:
    result = run_cli("validate", "--repo", str(bad_repo), "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    for finding in data["findings"]:
        assert {"code", "severity", "file", "line", "message", "hint"} <= finding.keys()
    level = next(f for f in data["findings"] if f["code"] == "RB203")
    assert level["severity"] == "error" and level["file"] == "access/schools/100/grants.yaml"
    text = (bad_repo / level["file"]).read_text().splitlines()
    assert "counselor-plus" in text[level["line"] - 1]  # the finding points at the real line
    assert "Maple Elementary" in level["message"] and level["hint"]
    assert data["summary"]["error"] == 1 and data["summary"]["ok"] is False


def test_github_annotations_at_real_lines_with_escaping(bad_repo: Path) -> None:
    result = run_cli("validate", "--repo", str(bad_repo), "--format", "github")
    assert result.returncode == 1
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.*)$")
    parsed = [pattern.match(line) for line in commands]
    assert all(parsed), commands
    error = next(m for m in parsed if m and m.group(1) == "error")
    assert error.group(2) == "access/schools/100/grants.yaml" and error.group(5).startswith("RB203")
    assert "%0AFix: " in error.group(6) and "\n" not in error.group(6)
    assert any(m and m.group(1) == "warning" and m.group(5).startswith("RB401") for m in parsed)


def test_github_escaping_rules() -> None:
    from rolebook.output.report.github_annotations import escape_data, escape_property
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_markdown_summary_appends_and_escapes(bad_repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run_cli("validate", "--repo", str(bad_repo), "--summary", str(summary))
    assert result.returncode == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "## ❌ Rolebook validation" in text
    assert "`RB203`" in text and "Counselor Plus" in text
    assert "Carl\\|&lt;b&gt;x&lt;/b&gt; Chen" in text and "<b>" not in text


def test_github_step_summary_is_appended_automatically(bad_repo: Path, tmp_path: Path) -> None:
    step = tmp_path / "step.md"
    env = {**os.environ, "ROLEBOOK_TODAY": TODAY, "NO_COLOR": "1", "GITHUB_STEP_SUMMARY": str(step)}
    result = subprocess.run([sys.executable, "-m", "rolebook", "validate", "--repo", str(bad_repo)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "## ❌ Rolebook validation" in step.read_text()


def test_unloadable_data_exits_2(mini_repo: Path) -> None:
    write_files(mini_repo, {"access/schools/100/grants.yaml": "location: \"100\"\ngrants:\n  - employee: 123\n"})
    result = run_cli("validate", "--repo", str(mini_repo), "--format", "json")
    assert result.returncode == 2
    assert "access/schools/100/grants.yaml:3" in result.stderr


def test_severity_override_in_policy(bad_repo: Path) -> None:
    write_files(bad_repo, {"roles/policy.yaml": "rules:\n  RB203: {severity: warning}\n  RB401: {severity: \"off\"}\n"})
    result = run_cli("validate", "--repo", str(bad_repo), "--format", "json")
    assert result.returncode == 0, result.stdout
    codes = {f["code"]: f["severity"] for f in json.loads(result.stdout)["findings"]}
    assert codes["RB203"] == "warning" and "RB401" not in codes


def test_rules_command_formats() -> None:
    listing = json.loads(run_cli("rules", "--format", "json").stdout)
    by_code = {r["code"]: r for r in listing}
    assert by_code["RB301"]["severity"] == "error" and by_code["RB301"]["examples"]
    assert {"code", "name", "severity", "summary", "sources", "docstring", "examples"} <= by_code["RB404"].keys()
    one = run_cli("rules", "RB404")
    assert one.returncode == 0 and "You must remove the cluster" in one.stdout and "FAIL example" in one.stdout
    markdown = run_cli("rules", "--format", "markdown").stdout
    assert "| [RB101](#rb101) |" in markdown and "```yaml" in markdown
    assert run_cli("rules", "RB999").returncode == 2


DEMO = REPO_ROOT / "access" / "district.yaml"


@pytest.mark.skipif(not DEMO.exists(), reason="the demo district has not been generated yet")
def test_demo_district_validates_without_errors() -> None:
    result = run_cli("validate", "--repo", str(REPO_ROOT), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    errors = [f"{f['code']} {f['file']}:{f['line']} {f['message']}"
              for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert errors == []
    assert result.returncode == 0
