"""TAXII 2.1 server (``/taxii2/``) over the national indicator store. See docs/indicadores.md."""
