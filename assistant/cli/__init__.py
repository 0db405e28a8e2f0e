"""The `maatwerk` command line: main.py (the group, index, search), common.py (what every command
shares: the App in the context, Dutch errors with exit code 2), and one module per command group."""
