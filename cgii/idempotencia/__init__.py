"""Idempotency keys for the API's writing POSTs (``Idempotency-Key`` header).

Core app: imports no domain app. Domain API views opt in per handler with
``cgii.idempotencia.drf.idempotente``; see docs/api.md.
"""
