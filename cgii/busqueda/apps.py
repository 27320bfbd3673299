from django.apps import AppConfig


class BusquedaConfig(AppConfig):
    name = "cgii.busqueda"
    label = "busqueda"
    verbose_name = "Búsqueda"

    def ready(self):
        from . import entidades, registro

        registro.registrar_tipo(entidades.TIPO)
        # Anyone (a command, the admin, a domain app) may queue a rebuild of named documents
        # with services.solicitar_indexacion → event "busqueda.indexar".
        registro.registrar_fuente(nombre="busqueda.solicitudes", tipos=("busqueda.indexar",),
                                  afectados=_documentos_pedidos)


def _documentos_pedidos(evento) -> dict:
    documentos = (evento.datos or {}).get("documentos") or {}
    return {t: ids for t, ids in documentos.items() if isinstance(ids, list)}
