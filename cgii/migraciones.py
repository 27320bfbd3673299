"""Helpers for the apps' migrations."""


def sql_solo_postgres(sentencias: list[str]):
    """A RunPython function that runs raw SQL on PostgreSQL only: GIN/trigram indexes and
    extensions have no SQLite counterpart (the embedded profile scans its small tables)."""

    def aplicar(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in sentencias:
            schema_editor.execute(sql)

    return aplicar
