"""``flush`` that may also empty the audit table on PostgreSQL.

The append-only trigger (migration 0002) refuses TRUNCATE unless the session sets
``cgii.auditoria_vaciar = on``. Django's ``flush`` truncates every table in one statement, and
the test runner calls it after each ``TransactionTestCase``, so without this override every
transactional test in the suite would fail on teardown. ``flush`` is an explicit wipe of the
whole database (interactive confirmation by default); it is the only sanctioned way to empty
the audit table. App commands take precedence over Django's own, like staticfiles' runserver.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

GUC_VACIAR = "cgii.auditoria_vaciar"


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [GUC_VACIAR])
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', false)", [GUC_VACIAR])
