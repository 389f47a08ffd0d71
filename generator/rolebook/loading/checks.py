"""The loader's cross-file checks, written once for the full and the partial load.

Each check takes a parsed file and its model (and what it is checked against) and returns the problems
as LoadErrors at their file, line and column. The full load (`repository.py`) reports them all; the
partial load (`fast/partial.py`) gives up as soon as one returns anything, and the full load that
follows reports them: the two can never disagree about what is a problem.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from rolebook.loading.errors import LoadError
from rolebook.loading.yamlfile import ParsedFile
from rolebook.model.files import (
    CategoriesFile,
    Category,
    DistrictFile,
    GrantsFile,
    GroupsFile,
    LocationKind,
    Role,
)
from rolebook.paths import (
    ACCESS_DIR,
    DISTRICT_FILE,
    GRANTS_FILE_NAME,
    GROUPS_FILE,
    HR_MAPPING_FILE,
    LOGINS_FILE,
    OFFICES_FOLDER,
    REVIEWS_FOLDER,
    ROLES_DIR,
    SCHOOLS_FOLDER,
    STAFF_FILE,
)

# Every file some reader of Rolebook reads under roles/ and access/: roles, categories and policy; the
# district, groups, staff, logins and HR-mapping files; grants files; review files. Anything else there is
# an edit that does nothing (a grants.yml beside grants.yaml, a grants file one folder too deep).
_READ_FILE = re.compile("^(?:" + "|".join([
    rf"{ROLES_DIR}/[^/]+\.ya?ml",
    *(re.escape(name) for name in (DISTRICT_FILE, GROUPS_FILE, STAFF_FILE, LOGINS_FILE, HR_MAPPING_FILE)),
    rf"{ACCESS_DIR}/(?:{SCHOOLS_FOLDER}|{OFFICES_FOLDER})/[^/]+/{re.escape(GRANTS_FILE_NAME)}",
    rf"{ACCESS_DIR}/(?:{SCHOOLS_FOLDER}|{OFFICES_FOLDER})/[^/]+/{REVIEWS_FOLDER}/[^/]+\.ya?ml",
]) + ")$")
_KEEP_FOLDER = ".gitkeep"  # an empty folder's placeholder: Git keeps no empty folders


def unread_file(relative: str) -> LoadError | None:
    """The error for a file under roles/ or access/ that no reader reads, or None if one does."""
    if _READ_FILE.match(relative) or relative.rsplit("/", 1)[-1] == _KEEP_FOLDER:
        return None
    name = relative.rsplit("/", 1)[-1]
    if name == "grants.yml" or (name.endswith(".yml") and _READ_FILE.match(relative[:-4] + ".yaml")):
        hint = f"name it {name[:-4]}.yaml (merge it into that file if there is one): only .yaml is read here"
    elif name == GRANTS_FILE_NAME:
        hint = (f"a grants file belongs in {ACCESS_DIR}/{SCHOOLS_FOLDER}/<code>/ or "
                f"{ACCESS_DIR}/{OFFICES_FOLDER}/<code>/, not deeper")
    else:
        hint = "move it where Rolebook reads it (the README's layout names every file), or delete it"
    return LoadError(relative, 1, 1, "Rolebook never reads this file, so nothing it says takes effect", hint)


def link_leaves_repository(relative: str, target: str) -> LoadError:
    return LoadError(relative, 1, 1, f"a symbolic link to {target}, outside the repository, is not read",
                     "copy the content into the repository instead of linking to it")


def _ids_defined_twice(parsed: ParsedFile, key: str, noun: str, ids: list[str]) -> list[LoadError]:
    """Each id after its first appearance under `key`, at its line."""
    seen: set[str] = set()
    errors = []
    for index, item_id in enumerate(ids):
        if item_id in seen:
            errors.append(parsed.error((key, index, "id"), f"{noun} '{item_id}' is defined twice"))
        seen.add(item_id)
    return errors


def categories_defined_twice(parsed: ParsedFile, model: CategoriesFile) -> list[LoadError]:
    return _ids_defined_twice(parsed, "categories", "category", [c.id for c in model.categories])


def role_problems(parsed: ParsedFile, role: Role, file_stem: str, roles: Collection[str],
                  categories: Mapping[str, Category]) -> list[LoadError]:
    """A role file against its name, the roles read before it and the categories."""
    errors = []
    if file_stem != role.id:
        errors.append(parsed.error(("id",), f"role id '{role.id}' does not match the file name",
                                   f"rename the file to {role.id}.yaml or set id: {file_stem}"))
    if role.id in roles:
        errors.append(parsed.error(("id",), f"role '{role.id}' is defined twice"))
    if categories and role.category not in categories:
        errors.append(parsed.error(("category",), f"unknown category '{role.category}'",
                                   f"use one of: {', '.join(categories)}"))
    return errors


def groups_defined_twice(parsed: ParsedFile, model: GroupsFile) -> list[LoadError]:
    return _ids_defined_twice(parsed, "groups", "group", [g.id for g in model.groups])


def district_problems(parsed: ParsedFile, district: DistrictFile) -> list[LoadError]:
    """Every location code used once; every school in a cluster the file defines."""
    errors = []
    seen: set[str] = set()
    codes = [("schools", i, s.code) for i, s in enumerate(district.schools)]
    codes += [("offices", i, o.code) for i, o in enumerate(district.offices)]
    for kind, index, code in codes:
        if code in seen:
            errors.append(parsed.error(
                (kind, index, "code"), f"location code '{code}' is used twice",
                "every school and office needs its own code"))
        seen.add(code)
    clusters = {c.id for c in district.clusters}
    for index, school in enumerate(district.schools):
        if school.cluster not in clusters:
            errors.append(parsed.error(
                ("schools", index, "cluster"), f"unknown cluster '{school.cluster}'",
                f"use one of: {', '.join(sorted(clusters)) or '(define clusters first)'}"))
    return errors


def grants_location_problems(parsed: ParsedFile, model: GrantsFile, kind: LocationKind, folder: str,
                             known: Collection[str] | None) -> list[LoadError]:
    """A grants file's `location` against its folder (`folder`: the code the folder is named) and the district.

    `known`: the district's codes of that kind, None when the district file did not load. At most one
    problem: a file in the wrong place is not checked further."""
    if model.location != folder:
        return [parsed.error(("location",), f"location '{model.location}' does not match the folder '{folder}'",
                             f"set location: \"{folder}\" or move the file")]
    if known is not None and model.location not in known:
        folder_name = SCHOOLS_FOLDER if kind is LocationKind.school else OFFICES_FOLDER
        return [parsed.error(("location",), f"{kind.value} '{model.location}' is not in {DISTRICT_FILE}",
                             f"add it to the {folder_name} of {DISTRICT_FILE}, or move the folder")]
    return []


def staff_listed_twice(parsed: ParsedFile, employees: Sequence[str]) -> list[LoadError]:
    """Each employee number once in the staff directory (`employees`: every record's, in file order)."""
    if len(set(employees)) == len(employees):
        return []
    errors = []
    seen: set[str] = set()  # someone is listed twice: find where, as the slow path
    for index, employee in enumerate(employees):
        if employee in seen:
            errors.append(parsed.error(
                ("staff", index, "employee"), f"employee {employee} is listed twice",
                "keep one record per employee number; merge their locations"))
        seen.add(employee)
    return errors
