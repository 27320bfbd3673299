"""Everything the protocols app plugs into core, in one declaration (cgii.complementos)."""

from cgii.complementos import Cargador, Complemento

from . import cargador, selectors


def _limpiar_caches_al_cambiar() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import (
        CalendarioLaboral,
        ClaseIncidente,
        DiaNoLaborable,
        Parametro,
        PoliticaSLA,
        TipoIncidente,
    )

    def limpiar(**_kwargs):
        selectors.limpiar_cache_calendarios()
        selectors.limpiar_cache_datos()

    # Taxonomy too: the API's category enum and the classification <select> (issue 22).
    for modelo in (CalendarioLaboral, DiaNoLaborable, Parametro, PoliticaSLA, TipoIncidente,
                   ClaseIncidente):
        post_save.connect(limpiar, sender=modelo, weak=False, dispatch_uid=f"limpiar-{modelo}")
        post_delete.connect(limpiar, sender=modelo, weak=False, dispatch_uid=f"limpiar-{modelo}")


COMPLEMENTO = Complemento(
    app="protocolos",
    # Protocols and taxonomy before anything that refers to them (PISI catalogs: 200).
    catalogos=(Cargador("protocolos", cargador.cargar_todo, orden=10),),
    al_conectar=(_limpiar_caches_al_cambiar,),
)
