"""Services: the business operations views, the API and the CLI share.

A service takes plain values (and the acting user), does one operation inside the
current session, and raises errors from runtime.exceptions; the caller commits.
"""
