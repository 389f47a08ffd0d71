"""Rolebook: staff access to student records, as code."""

__version__ = "0.1.0"
