"""Ciudadanía Digital adapters (docs/ciudadania_digital.md): one module per mechanism.

Core app: it imports no domain app. ``autenticacion`` is the OpenID Connect login.
"""
