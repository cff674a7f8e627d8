"""Outside world: connector protocol, HTTP transport, presets and sandbox simulators.

Framework-free: nothing here imports Flask or app (DESIGN §3).
"""
