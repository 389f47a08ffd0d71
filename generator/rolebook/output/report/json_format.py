"""`--format json`: a public contract. Keys may be added; none are removed or renamed."""

from __future__ import annotations

from rolebook.model.findings import Finding
from rolebook.output.report import Validation, rule_names


def render(result: Validation) -> dict[str, object]:
    names = rule_names()

    def row(finding: Finding, new: bool) -> dict[str, object]:
        return {**finding.as_dict(), "rule": names.get(finding.code, ""), "employee": finding.employee,
                "new": new}

    return {
        "findings": [row(f, True) for f in result.findings],
        "preexisting": [row(f, False) for f in result.preexisting],
        "summary": result.summary(),
        "access_diff": [change.as_dict() for change in result.access_diff],
        "request_checks": [{
            "employee": c.change.employee, "location": c.change.location, "role": c.change.role,
            "known_to_hr": c.known_to_hr, "hr_status": c.hr_status, "staff_type": c.staff_type,
            "holders_after": c.holders_after, "minimum": c.minimum, "maximum": c.maximum,
            "allowed_by_ratio": c.allowed_by_ratio, "text": f"{c.person_sentence}; {c.count_sentence}.",
        } for c in result.request_checks],
        "notes": list(result.notes),
    }
