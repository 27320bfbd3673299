"""API tokens get an expiry and a scope (issue 16, finding 9).

Tokens that already exist keep working as before (write scope) until
``TOKENS_API_DIAS`` days after this migration: long enough to replace them, never forever.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def vencer(apps, schema_editor):
    TokenAPI = apps.get_model("entidades", "TokenAPI")
    dias = getattr(settings, "TOKENS_API_DIAS", 90)
    TokenAPI.objects.filter(expira__isnull=True).update(
        expira=timezone.now() + timedelta(days=dias), alcance="escritura")


class Migration(migrations.Migration):
    dependencies = [("entidades", "0002_grupos_cgii")]

    operations = [
        migrations.AddField(
            model_name="tokenapi", name="expira",
            field=models.DateTimeField(null=True, verbose_name="vence")),
        migrations.AddField(
            model_name="tokenapi", name="alcance",
            field=models.CharField(choices=[("lectura", "Solo lectura"),
                                            ("escritura", "Lectura y escritura")],
                                   default="lectura", max_length=10, verbose_name="alcance")),
        migrations.RunPython(vencer, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tokenapi", name="expira",
            field=models.DateTimeField(verbose_name="vence")),
        migrations.AlterField(
            model_name="tokenapi", name="ultimo_uso",
            field=models.DateTimeField(blank=True, null=True, verbose_name="último uso")),
    ]
