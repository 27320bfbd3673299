"""Each sighting keeps its own TLP, confidence and validity (issue 16, finding 1): an entity
user is shown their own sightings, never the national row another entity's report shaped.

Existing sightings: the one recorded by the user who created the national row gets that
row's values (it was their TLP); every other sighting gets its incident's TLP, which is what
the add service used when no TLP was given."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def rellenar(apps, schema_editor):
    Vinculo = apps.get_model("indicadores", "IndicadorIncidente")
    Incidente = apps.get_model("incidentes", "Incidente")
    Vinculo.objects.update(tlp=Subquery(
        Incidente.objects.filter(pk=OuterRef("incidente_id")).values("tlp")[:1]))
    Indicador = apps.get_model("indicadores", "Indicador")
    del_creador = Vinculo.objects.filter(agregado_por_id=F("indicador__creado_por_id"))
    nacional = Indicador.objects.filter(pk=OuterRef("indicador_id"))
    del_creador.update(tlp=Subquery(nacional.values("tlp")[:1]),
                       confianza=Subquery(nacional.values("confianza")[:1]),
                       valido_hasta=Subquery(nacional.values("valido_hasta")[:1]))


class Migration(migrations.Migration):
    dependencies = [("indicadores", "0004_valor_trigramas"),
                    ("incidentes", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="indicadorincidente", name="tlp",
            field=models.CharField(choices=[("clear", "TLP:CLEAR"), ("green", "TLP:GREEN"),
                                            ("amber", "TLP:AMBER"),
                                            ("amber+strict", "TLP:AMBER+STRICT"),
                                            ("red", "TLP:RED")],
                                   default="amber", max_length=12, verbose_name="TLP")),
        migrations.AddField(
            model_name="indicadorincidente", name="confianza",
            field=models.PositiveSmallIntegerField(blank=True, null=True,
                                                   verbose_name="confianza (0-100)")),
        migrations.AddField(
            model_name="indicadorincidente", name="valido_hasta",
            field=models.DateTimeField(blank=True, null=True, verbose_name="válido hasta")),
        migrations.RunPython(rellenar, migrations.RunPython.noop),
    ]
