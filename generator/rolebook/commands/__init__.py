"""One module per CLI command, each exporting `command` (a click command)."""
