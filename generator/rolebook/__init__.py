"""Rolebook: staff access to student records, as code.

The package is a house of layers; a module imports only from the layers below its own, and
`make lint` (import-linter, contracts in pyproject.toml) fails the build on the next upward import
or import cycle:

    cli, commands        one module per command: options, exit codes, printing; nothing else
    approvals, reviews,  the features: the approval gate, the six-monthly access reviews, change
    requests, hr,        requests, the HR loop, provisioning the live systems, adopting Rolebook
    apply, adoption
    output               what people read: the validator's report formats, the static site, the one
                         Jinja environment (`output.templates`) and Markdown escaper
    policy               the rule registry, running it (`check`), pull-request mode (`pull_request`)
    facts                derived from the data, no policy: effective access, diffs, approvers, history
    loading              YAML to typed models, every problem at file:line; reviews and logins too
    model                the file format (pydantic models), findings, JSON Schema
    infra                Git, files, CSV, YAML editing, the collector, the result cache
    paths                every repository path and pattern
"""

__version__ = "0.1.0"
