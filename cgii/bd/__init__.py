"""Database backends of the platform (see cgii/bd/postgresql/base.py)."""
