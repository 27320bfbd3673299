"""A real TAXII 2.1 client (taxii2-client, over requests) against a live server:
discovery → collections → paginated objects (following ``next``) → add objects → status."""

import pytest
import requests
from taxii2client.v21 import Collection, Server, as_pages

from cgii.entidades.services import token_crear
from incidentes.indicadores import services
from incidentes.indicadores.models import Indicador
from incidentes.indicadores.taxii import colecciones
from tests.indicadores.utiles import indicador

pytestmark = pytest.mark.django_db(transaction=True)


class AuthToken(requests.auth.AuthBase):
    def __init__(self, clave):
        self.clave = clave

    def __call__(self, r):
        r.headers["Authorization"] = f"Token {self.clave}"
        return r


def test_ida_y_vuelta_con_taxii2_client(live_server, analista, reportante_a, entidad_a,
                                        entidad_b, incidente):
    for n in range(7):
        services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                   valor=f"cliente-{n}.malo.example", tlp="clear")
    services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                               valor="ambar.cliente.example", tlp="amber")
    _t, clave = token_crear(usuario=analista, nombre="taxii", alcance="escritura",
                           segundo_factor=True)
    auth = AuthToken(clave)

    servidor = Server(f"{live_server.url}/taxii2/", auth=auth)
    assert servidor.title == "CGII TAXII 2.1"
    raiz = servidor.default
    assert raiz.url == f"{live_server.url}/taxii2/cgii/"
    por_id = {c.id: c for c in raiz.collections}
    assert {colecciones.ID_CLEAR, colecciones.ID_INBOX,
            colecciones.id_amber(entidad_a.pk)} <= set(por_id)

    clear = por_id[colecciones.ID_CLEAR]
    assert clear.can_read and not clear.can_write
    paginas = list(as_pages(clear.get_objects, per_request=3))
    assert [len(p.get("objects", [])) for p in paginas] == [3, 3, 1]
    ids = [o["id"] for p in paginas for o in p["objects"]]
    assert len(set(ids)) == 7
    manifiesto = clear.get_manifest()
    assert len(manifiesto["objects"]) == 7
    uno = clear.get_object(ids[0])
    assert uno["objects"][0]["id"] == ids[0]

    buzon = Collection(f"{live_server.url}/taxii2/cgii/collections/{colecciones.ID_INBOX}/",
                       auth=auth)
    assert buzon.can_write and not buzon.can_read
    estado = buzon.add_objects({"objects": [
        indicador("[ipv4-addr:value = '198.51.100.201']"),
        indicador("[ipv4-addr:value = '198.51.100.202']"),
        {"type": "indicator", "id": "indicator--roto"}]})
    assert estado.status == "complete"
    assert (estado.total_count, estado.success_count, estado.failure_count) == (3, 2, 1)
    estado.refresh()
    assert estado.success_count == 2 and len(estado.failures) == 1
    assert Indicador.objects.filter(valor__in=["198.51.100.201", "198.51.100.202"]).count() == 2

    # An entity token: its own AMBER collection is listed, the other entity's is not (404).
    _t, clave_a = token_crear(usuario=reportante_a, nombre="taxii", entidad=entidad_a,
                             alcance="escritura")
    raiz_a = Server(f"{live_server.url}/taxii2/", auth=AuthToken(clave_a)).default
    ids_a = {c.id for c in raiz_a.collections}
    assert colecciones.id_amber(entidad_a.pk) in ids_a
    assert colecciones.id_amber(entidad_b.pk) not in ids_a
    ajena = Collection(f"{live_server.url}/taxii2/cgii/collections/"
                       f"{colecciones.id_amber(entidad_b.pk)}/", auth=AuthToken(clave_a))
    with pytest.raises(requests.HTTPError) as exc:
        ajena.get_objects()
    assert exc.value.response.status_code == 404
