"""The policy rules: a registry, one small module per rule family, as yamllint and rust-lang/team do.

Each rule has a stable code, a default severity, a one-line summary and a docstring that says why it
exists and how to fix a finding. Docstrings carry PASS and FAIL examples (files laid over a minimal
repository); the test suite runs them, so the published docs can never drift from the code.
Adding a rule touches one file: write a subclass of `Rule` in any module here and decorate it.
"""

from __future__ import annotations

import importlib
import pkgutil

from rolebook.policy.rules.base import REGISTRY, Context, Rule, register

_loaded = False


def all_rules() -> list[type[Rule]]:
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            if module.name != "base":
                importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True
    return sorted(REGISTRY.values(), key=lambda r: r.code)


__all__ = ["Context", "Rule", "all_rules", "register"]
