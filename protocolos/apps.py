from django.apps import AppConfig


class ProtocolosConfig(AppConfig):
    name = "protocolos"
    verbose_name = "Protocolos y SLA"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from cgii.registros import registrar_catalogo

        from . import cargador, selectors
        from .models import CalendarioLaboral, DiaNoLaborable, Parametro, PoliticaSLA

        # Protocols and taxonomy before anything that refers to them (PISI catalogs: 200).
        registrar_catalogo("protocolos", cargador.cargar_todo, orden=10)

        def limpiar(**_kwargs):
            selectors.limpiar_cache_calendarios()
            selectors.limpiar_cache_datos()

        for modelo in (CalendarioLaboral, DiaNoLaborable, Parametro, PoliticaSLA):
            post_save.connect(limpiar, sender=modelo, weak=False)
            post_delete.connect(limpiar, sender=modelo, weak=False)
