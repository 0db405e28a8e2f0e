"""The corpus as files: loading documents (documents.py), splitting them into citable chunks
(splitting.py), and the managed corpus folder in the data dir (workspace.py)."""
