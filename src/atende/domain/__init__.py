"""The customer-service domain: conversations, agents, departments and routing.

Plain Python only: no I/O, no frameworks. Everything here is deterministic given its inputs.
"""
