"""Address columns: PostgreSQL ``cidr`` / ``inet`` (GiST-indexable, containment operators);
plain text on SQLite (the embedded profile, which has no feed intake and scans its small
registry in Python).

Values are always ``str`` on the Python side ("200.87.0.0/16", "2800:cd0::1"); psycopg's
``ipaddress`` objects are turned back into text when read.
"""

import ipaddress

from django.db import models


class _CampoDireccion(models.Field):
    tipo_pg = ""
    largo_texto = 50

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return self.tipo_pg
        return f"varchar({self.largo_texto})"

    def from_db_value(self, value, expression, connection):
        return None if value is None else str(value)

    def to_python(self, value):
        return None if value is None else str(value)

    def get_prep_value(self, value):
        return None if value in (None, "") else str(value)


class CampoRed(_CampoDireccion):
    """A network in CIDR notation (no host bits), IPv4 or IPv6."""

    tipo_pg = "cidr"
    description = "Red IPv4/IPv6 (CIDR)"


class CampoIP(_CampoDireccion):
    """One host address, IPv4 or IPv6."""

    tipo_pg = "inet"
    description = "Dirección IPv4/IPv6"


def red_normalizada(texto: str) -> str:
    """The canonical CIDR text of ``texto`` (a bare address is its /32 or /128).

    Raises ``ValueError`` with a Spanish message; host bits set are refused with the network
    the user probably meant, never silently truncated."""
    texto = (texto or "").strip()
    if not texto:
        raise ValueError("Indique una red en notación CIDR (p. ej. 200.87.0.0/16).")
    try:
        return str(ipaddress.ip_network(texto, strict=True))
    except ValueError:
        pass
    try:
        probable = ipaddress.ip_network(texto, strict=False)
    except ValueError:
        raise ValueError(f"«{texto}» no es una red IPv4/IPv6 válida.") from None
    raise ValueError(f"«{texto}» tiene bits de host; ¿quiso decir {probable}?")
