"""Facts derived from the loaded data, with no policy: effective access, diffs, approvers, history.

Reads `rolebook.loading`'s models; never reads files itself except Git history (`facts.history`).
"""
