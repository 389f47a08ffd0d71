"""Read a submitted access-request issue form (.github/ISSUE_TEMPLATE/access-request.yml).

GitHub renders a form's answers as Markdown: `### <label>`, a blank line, the answer; `_No response_`
for an empty field; a multi-select dropdown as comma-separated options; checkboxes as `- [X] label`.
The body is untrusted text: it is parsed here as data, and every value is checked by the request
command against the repository like any other input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rolebook.requests import RequestError

# The confirmation a holder ticks to accept the responsible-use policy (the form's option, word for word;
# a test keeps it in step with access-request.yml). Matched on its start, so a district may add the
# policy's link after it.
RESPONSIBLE_USE_TICK = "The person named above has read and accepts the district's responsible-use policy"

# The form's labels (kept in step with access-request.yml) -> field names.
LABELS = {
    "employee number": "employee",
    "school or office code": "school",
    "school code": "school",
    "role(s)": "roles",
    "roles": "roles",
    "role": "roles",
    "other role (if not in the list)": "other_role",
    "reason": "reason",
    "end date": "expires",
    "verification": "verification",
    "confirmation": "confirmation",
}
NO_RESPONSE = "_No response_"
MAX_BODY = 20_000
# A GitHub login: letters, digits and single hyphens, at most 39 characters; an App's account ends in [bot].
LOGIN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:\[bot\])?")


@dataclass
class IssueForm:
    employee: str
    school: str
    roles: list[str]
    reason: str | None = None
    expires: str | None = None
    verification: str | None = None
    confirmed: list[str] = field(default_factory=list)

    @property
    def accepts_responsible_use(self) -> bool:
        """Whether the responsible-use tick is ticked (recorded in the grant as `accepted_use`)."""
        return any(label.startswith(RESPONSIBLE_USE_TICK) for label in self.confirmed)


def sections(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        heading = re.fullmatch(r"###\s+(.+?)\s*", line)
        if heading:
            if current is not None:
                found[current] = "\n".join(lines).strip()
            current, lines = heading.group(1).strip().lower(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        found[current] = "\n".join(lines).strip()
    return found


def parse_issue_form(body: str) -> IssueForm:
    if len(body) > MAX_BODY:
        raise RequestError("the issue body is too long to be an access request form")
    values: dict[str, str] = {}
    for label, text in sections(body).items():
        name = LABELS.get(label)
        if name is not None and text and text != NO_RESPONSE:
            values[name] = text
    missing = [label for label, name in (("Employee number", "employee"), ("School or office code", "school"))
               if name not in values]
    roles = [r.strip() for r in values.get("roles", "").split(",") if r.strip()]
    roles += [r.strip() for r in values.get("other_role", "").split(",") if r.strip()]
    if not roles:
        missing.append("Role(s)")
    if missing:
        raise RequestError(f"the form is missing: {', '.join(missing)}")
    confirmed = [m.group(1).strip() for m in re.finditer(r"^- \[[xX]\] (.+)$", values.get("confirmation", ""),
                                                         re.MULTILINE)]
    return IssueForm(
        employee=values["employee"].strip(),
        school=values["school"].strip(),
        roles=roles,
        reason=" ".join(values["reason"].split()) if "reason" in values else None,
        expires=values.get("expires", "").strip() or None,
        verification=" ".join(values["verification"].split()) if "verification" in values else None,
        confirmed=confirmed,
    )


def requester(login: str) -> str:
    """The `Requested-by:` value for the form's author: `@login`. The person who filed the form is an
    author of the change the workflow makes for them, so the gate reads this to keep them from approving it;
    anything but a plain login is refused rather than written into a trailer."""
    cleaned = login.strip().removeprefix("@")
    if not LOGIN.fullmatch(cleaned):
        raise RequestError(f"--issue-author {login!r}: not a GitHub login (letters, digits and hyphens); "
                           "pass the issue's user.login")
    return f"@{cleaned}"


def pull_request_body(message: str, issue_number: int | None) -> str:
    """The pull request's description: the commit's body and trailers (so `Requested-by: @login` is a line of
    its own, as in the commit), then the line that closes the form's issue."""
    _subject, _, rest = message.partition("\n\n")
    body = rest.strip() + "\n"
    if issue_number is not None:
        body += f"\nCloses #{issue_number}\n"
    return body
