"""Interpreter side of Formloom: forms, flows, rules and reports, with no web framework.

Everything here takes plain values and returns plain values so it can be tested,
benchmarked and simulated without a server (DESIGN §3).
"""
