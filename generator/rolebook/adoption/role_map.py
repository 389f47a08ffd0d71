"""Which catalog role each of the SIS's role names is: by the catalog's own names, else a mapping file.

The mapping file is YAML, one line per SIS name: `Health Office Clerk: health-office`; a name mapped to
`null` is left out of the import on purpose (a role Rolebook does not manage). Names neither matched
nor mapped stop the import, with the closest catalog roles as suggestions and lines ready to paste.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from rolebook.adoption import AdoptionError
from rolebook.facts.catalog import find_role
from rolebook.loading import Repository
from rolebook.loading.yamlfile import read_yaml


@dataclass
class RoleMap:
    repo: Repository
    mapped: dict[str, str | None] = field(default_factory=dict)  # lower-cased SIS name -> role id, or None
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # SIS name -> where it appears

    def role_of(self, name: str, where: str) -> str | None:
        """The role id for an SIS name; None when mapped out (or unknown, which is remembered)."""
        key = name.lower()
        if key in self.mapped:
            return self.mapped[key]
        role = find_role(self.repo, name)
        if role is not None:
            return role.id
        self.unmapped.setdefault(name, []).append(where)
        return None

    def suggestions(self, name: str) -> list[str]:
        by_name = {role.name.lower(): role.id for role in self.repo.roles.values()}
        by_name.update({role_id: role_id for role_id in self.repo.roles})
        close = difflib.get_close_matches(name.lower(), list(by_name), n=3, cutoff=0.5)
        return list(dict.fromkeys(by_name[c] for c in close))

    def unmapped_report(self, mapping_file: Path | None) -> str:
        lines = [f"{len(self.unmapped)} role name(s) of the SIS are not in the catalog; nothing was imported:"]
        paste = []
        for name, places in sorted(self.unmapped.items()):
            suggested = self.suggestions(name)
            hint = f"; did you mean {', '.join(suggested)}?" if suggested else ""
            more = f" and {len(places) - 1} more row(s)" if len(places) > 1 else ""
            lines.append(f"  {places[0]}{more}: '{name}'{hint}")
            paste.append(f"{json.dumps(name, ensure_ascii=False)}: {suggested[0] if suggested else 'ROLE-ID'}")
        target = mapping_file.as_posix() if mapping_file else "a mapping file given with --role-map FILE"
        lines.append(f"Map each SIS name to a role id (see `rolebook roles`), or to null to leave it out, in {target}:")
        lines += [f"  {line}" for line in paste]
        return "\n".join(lines)


def load_role_map(repo: Repository, path: Path | None) -> RoleMap:
    role_map = RoleMap(repo)
    if path is None:
        return role_map
    parsed = read_yaml(path, path.as_posix())
    if parsed.errors:
        raise AdoptionError("\n".join(error.format() for error in parsed.errors))
    data = parsed.data if parsed.data is not None else {}
    if not isinstance(data, dict):
        raise AdoptionError(f"{path.as_posix()}:1: the role mapping is a mapping, one line per SIS role name: "
                            "`Health Office Clerk: health-office`")
    problems = []
    for name, role_id in data.items():
        if role_id is not None and (not isinstance(role_id, str) or role_id not in repo.roles):
            error = parsed.error((name,), f"'{name}' maps to '{role_id}', which is not a role id of the catalog",
                                 "use an id from `rolebook roles`, or null to leave the role out")
            problems.append(error.format())
            continue
        role_map.mapped[str(name).lower()] = role_id
    if problems:
        raise AdoptionError("\n".join(problems))
    return role_map
