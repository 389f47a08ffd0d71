"""Adoption: a new district's repository (`rolebook init`) and today's access imported from the SIS.

A district arrives with a spreadsheet of schools, an HR export and the SIS's Security Audit Reports.
These modules turn them into a repository that validates and publishes, writing nothing until every
row has been read, so a bad row never leaves a half-made repository behind.
"""

from __future__ import annotations


class AdoptionError(Exception):
    """The input cannot be used; the message names the file, the row and the fix."""
