"""The Rolebook template repository this package runs from: the demo catalog, workflows and pages.

`rolebook init` copies the files a district starts from (the 58 roles, the policy, the GitHub
workflows, the site's hand-written pages) out of the checkout that holds this package, so a district's
copy starts from exactly the files the template's tests check.
"""

from __future__ import annotations

from pathlib import Path

from rolebook.adoption import AdoptionError

WORKFLOWS = ("validate.yml", "approvals.yml", "pages.yml", "hr-sync.yml", "access-request.yml")
GITHUB_FILES = (".github/pull_request_template.md", ".github/ISSUE_TEMPLATE/config.yml")
SITE_PAGES = ("index.md", "guides/how-to-request.md", "guides/how-to-approve.md", "guides/lost-super-user.md")
INSTALL_LINE = "python -m pip install --disable-pip-version-check ."


def template_root() -> Path:
    """The checkout around this package (generator/rolebook/adoption -> the repository root)."""
    root = Path(__file__).resolve().parents[3]
    needed = [root / "roles" / "categories.yaml", root / ".github" / "workflows" / "validate.yml",
              root / "mkdocs.yml"]
    if not all(path.is_file() for path in needed):
        raise AdoptionError(f"the Rolebook template files are not beside this installation ({root}): run "
                            "`rolebook init` from a checkout of the Rolebook template repository "
                            "(`pip install -e .` there)")
    return root


def read(relative: str) -> str:
    return (template_root() / relative).read_text(encoding="utf-8")


def demo_role_files() -> dict[str, str]:
    """roles/*.yaml of the template (the 58 roles and categories.yaml), without its policy."""
    folder = template_root() / "roles"
    return {f"roles/{path.name}": path.read_text(encoding="utf-8")
            for path in sorted(folder.glob("*.yaml")) if path.name != "policy.yaml"}


def schema_files() -> dict[str, str]:
    """generator/schema/*.json, which every YAML file's first line points editors at."""
    folder = template_root() / "generator" / "schema"
    return {f"generator/schema/{path.name}": path.read_text(encoding="utf-8")
            for path in sorted(folder.glob("*.json"))}


def workflow_files(install: str) -> dict[str, str]:
    """The district's workflows: the template's, installing Rolebook from `install` (a pip requirement)."""
    files: dict[str, str] = {}
    for name in WORKFLOWS:
        text = read(f".github/workflows/{name}")
        if install != ".":
            text = text.replace(INSTALL_LINE, f"python -m pip install --disable-pip-version-check '{install}'")
        files[f".github/workflows/{name}"] = text
    for relative in GITHUB_FILES:
        files[relative] = read(relative)
    return files


def site_pages() -> dict[str, str]:
    return {f"site/{page}": read(f"site/{page}") for page in SITE_PAGES if (template_root() / "site" / page).is_file()}
