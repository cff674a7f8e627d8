"""Design side of Formloom: meta-schemas, definition validation, diffs and the linter.

Framework-free like runtime/: the Flask blueprint that serves the builder lives in app/.
"""
