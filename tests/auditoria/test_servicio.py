import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction

from cgii.auditoria.cadena import CAMPOS_HASH, HASH_INICIAL, calcular_hash
from cgii.auditoria.contexto import contexto_solicitud
from cgii.auditoria.models import RegistroAuditoria, RegistroInmutable
from cgii.auditoria.selectors import registros_de_objeto
from cgii.auditoria.services import auditoria_registrar
from tests.factories import crear_usuario


def _releer(registro):
    return RegistroAuditoria.objects.values(*CAMPOS_HASH, "hash").get(pk=registro.pk)


def test_primer_registro_encadena_desde_ceros_y_el_hash_sobrevive_la_relectura(
        analista, entidad_a):
    registro = auditoria_registrar(
        actor=analista, accion="entidad.actualizar", objeto=entidad_a,
        antes={"critica": False}, despues={"critica": True},
        datos={"cuando": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "monto": Decimal("1.50"),
               "id": uuid.UUID(int=1), "grande": 1e16, "fraccion": 0.1, "tupla": (1, 2)},
    )
    assert registro.secuencia == 1
    assert registro.hash_anterior == HASH_INICIAL
    fila = _releer(registro)
    assert calcular_hash(fila) == registro.hash == fila["hash"]
    # Stored as DjangoJSONEncoder JSON: exactly what was hashed.
    assert fila["datos"]["cuando"] == "2026-01-02T03:04:05Z"
    assert fila["datos"]["monto"] == "1.50"
    assert fila["datos"]["tupla"] == [1, 2]
    assert fila["actor_id"] == analista.pk
    assert fila["actor_repr"] == "analista"
    assert fila["objeto_tipo"] == "entidades.entidad"
    assert fila["objeto_id"] == str(entidad_a.pk)
    assert fila["entidad_id"] == entidad_a.pk  # an Entidad is its own tenant
    assert fila["request_id"] is None and fila["ip"] is None  # no request around


def test_registros_sucesivos_enlazan(analista):
    primero = auditoria_registrar(actor=analista, accion="a.uno")
    segundo = auditoria_registrar(actor=analista, accion="a.dos")
    assert (segundo.secuencia, segundo.hash_anterior) == (2, primero.hash)
    assert segundo.momento >= primero.momento


def test_entidad_del_objeto_por_defecto_y_explicita(reportante_a, entidad_a, entidad_b):
    membresia = reportante_a.membresias.get()
    assert auditoria_registrar(actor=None, accion="m", objeto=membresia).entidad_id == entidad_a.pk
    assert auditoria_registrar(actor=None, accion="m", objeto=membresia,
                               entidad_id=entidad_b.pk).entidad_id == entidad_b.pk


@pytest.mark.parametrize("actor, esperado", [
    (None, (None, "sistema")),
    ("celery:vencimientos_sla", (None, "celery:vencimientos_sla")),
    (AnonymousUser(), (None, "anónimo")),
])
def test_actores_que_no_son_usuarios(db, actor, esperado):
    registro = auditoria_registrar(actor=actor, accion="x.y")
    assert (registro.actor_id, registro.actor_repr) == esperado


def test_borrar_al_usuario_no_toca_su_historia(db):
    usuario = crear_usuario(username="efimero")
    registro = auditoria_registrar(actor=usuario, accion="x.y", objeto=usuario)
    usuario_id = usuario.pk
    usuario.delete()
    fila = _releer(registro)
    assert (fila["actor_id"], fila["actor_repr"], fila["objeto_id"]) == (
        usuario_id, "efimero", str(usuario_id))
    call_command("verificar_auditoria")


def test_contexto_de_solicitud_se_registra(db):
    with contexto_solicitud(request_id="req-12345678", ip="198.51.100.7"):
        registro = auditoria_registrar(actor=None, accion="x.y")
    assert (registro.request_id, registro.ip) == ("req-12345678", "198.51.100.7")
    assert auditoria_registrar(actor=None, accion="x.y").request_id is None


def test_textos_largos_se_recortan_antes_del_hash(db, entidad_a):
    registro = auditoria_registrar(actor="p" * 500, accion="x.y")
    assert len(registro.actor_repr) == 200
    assert calcular_hash(_releer(registro)) == registro.hash


def test_transaccion_revertida_no_deja_fila(analista):
    with pytest.raises(RuntimeError), transaction.atomic():
        auditoria_registrar(actor=analista, accion="x.revertida")
        raise RuntimeError("el servicio falla después de auditar")
    assert not RegistroAuditoria.objects.exists()
    # No gap either: the next row is still number 1.
    assert auditoria_registrar(actor=analista, accion="x.ok").secuencia == 1


def test_objeto_sin_guardar_rechazado(db):
    from cgii.entidades.models import Entidad

    with pytest.raises(ValueError):
        auditoria_registrar(actor=None, accion="x.y", objeto=Entidad(nombre="nueva"))
    with pytest.raises(ValueError):
        auditoria_registrar(actor=None, accion="")


def test_el_modelo_no_modifica_ni_borra(cadena):
    registro = RegistroAuditoria.objects.get(secuencia=2)
    registro.accion = "otra"
    with pytest.raises(RegistroInmutable):
        registro.save()
    with pytest.raises(RegistroInmutable):
        registro.delete()
    with pytest.raises(RegistroInmutable):
        RegistroAuditoria.objects.filter(secuencia=2).update(accion="otra")
    with pytest.raises(RegistroInmutable):
        RegistroAuditoria.objects.all().delete()
    with pytest.raises(RegistroInmutable):
        RegistroAuditoria.objects.bulk_update([registro], ["accion"])
    assert RegistroAuditoria.objects.get(secuencia=2).accion == "prueba.accion"


def test_registros_de_objeto(cadena, entidad_a, entidad_b, analista):
    auditoria_registrar(actor=analista, accion="otra.entidad", objeto=entidad_b)
    historia = registros_de_objeto(objeto=entidad_a)
    assert [r.secuencia for r in historia] == [1, 2, 3, 4, 5]
    assert [r.accion for r in registros_de_objeto(objeto=entidad_b)] == ["otra.entidad"]
