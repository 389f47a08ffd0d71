"""The README of a district's new repository: what it is, and the next steps after `rolebook init`."""

from __future__ import annotations


def district_readme(district: str, identity_provider: str, request_form: str) -> str:
    form = f"[Access request form]({request_form})" if request_form else "*Access request* issue form"
    return f"""\
# {district}: staff access to student records

This repository says who may see and change student records at {district}, and why. Roles are in
`roles/`, schools and grants in `access/`, and every change is a pull request that the school's
approvers approve. Staff sign in to the student information system through {identity_provider}; this
repository decides which roles they hold there.

- **Request access:** open the {form}, or run
  `rolebook request --employee NUMBER --school CODE --role "ROLE" --reason "WHY"`.
- **Read the role guide:** `rolebook build --public`, then open `build/public/site/index.html`.
- **Check the data:** `rolebook validate`.

## Next steps

1. Import today's access from the SIS's Security Audit Reports and the HR export:
   `rolebook import --report REPORT.csv --hr-export HR.csv --role-map roles-map.yaml --no-branch`.
2. Read the findings of `rolebook validate`: they are the district's first access audit.
3. Push to GitHub, protect `main` (require the `validate` and `approval-gate` checks and a review from
   code owners), and turn on GitHub Pages from Actions: the `pages` workflow publishes the role guide.
"""
