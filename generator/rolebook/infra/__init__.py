"""The plumbing under everything: Git, files, CSV, YAML editing, the collector, the result cache.

Knows nothing of roles or grants; every other layer may use it.
"""
