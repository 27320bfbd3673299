"""Adding indicators to incidents: one, pasted, from the description; who may; one row per
normalised value; timeline + audit + outbox in the same transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado
from cgii.eventos.models import Evento
from incidentes.indicadores import selectors, services
from incidentes.indicadores.models import Indicador, IndicadorIncidente
from incidentes.models import EntradaTimeline

pytestmark = pytest.mark.django_db


def test_agregar_uno_normaliza_y_registra(incidente, reportante_a):
    antes_eventos = Evento.objects.count()
    vinculo, creado = services.indicador_agregar(
        actor=reportante_a, incidente_id=incidente.pk, valor="hxxps://Sigep-Gob-Bo[.]com/Login",
        rol="distribucion", nota="enlace del correo")
    assert creado
    i = vinculo.indicador
    assert (i.tipo, i.valor) == ("url", "https://sigep-gob-bo.com/Login")
    assert i.patron == "[url:value = 'https://sigep-gob-bo.com/Login']"
    assert i.valor_original == "hxxps://Sigep-Gob-Bo[.]com/Login"
    assert i.sco_id.startswith("url--") and i.tlp == incidente.tlp
    assert i.primera_vez and i.ultima_vez and i.tipos_stix == ["malicious-activity"]
    assert vinculo.rol == "distribucion" and vinculo.agregado_por == reportante_a
    entrada = EntradaTimeline.objects.filter(incidente=incidente).latest("id")
    assert entrada.tipo == "indicadores" and entrada.visible_entidad
    assert entrada.datos["indicadores"] == [i.pk]
    assert RegistroAuditoria.objects.filter(accion="incidente.indicadores").count() == 1
    assert Evento.objects.filter(tipo="timeline.nuevo").count() >= 1
    assert Evento.objects.count() > antes_eventos


def test_el_mismo_valor_escrito_distinto_es_una_sola_fila(incidente, incidente_b, reportante_a,
                                                         reportante_b, analista):
    services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                               valor="198.51.100[.]77")
    v2, creado = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                            valor="198.51.100.77/32")
    assert not creado
    services.indicador_agregar(actor=reportante_b, incidente_id=incidente_b.pk,
                               valor="[ipv4-addr:value = '198.51.100.77']")
    assert Indicador.objects.filter(valor="198.51.100.77").count() == 1
    assert IndicadorIncidente.objects.filter(indicador=v2.indicador).count() == 2


def test_valor_invalido_da_400_con_el_motivo(incidente, analista):
    with pytest.raises(ErrorValidacion) as exc:
        services.indicador_agregar(actor=analista, incidente_id=incidente.pk, valor="999.1.1.1",
                                   tipo="ipv4")
    assert "valor" in exc.value.extra
    assert not Indicador.objects.exists()


def test_pegar_en_lote_con_errores_por_linea(incidente, analista):
    texto = """
    # copiado del informe del proveedor
    203.0.113[.]50
    hxxp://malo[.]example/descarga.exe
    no-es-un-indicador
    soporte(at)phish[.]example
    999.999.1.1
    D41D8CD98F00B204E9800998ECF8427E
    203.0.113.50
    """
    r = services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, texto=texto)
    assert sorted(v.indicador.valor for v in r.agregados) == [
        "203.0.113.50", "d41d8cd98f00b204e9800998ecf8427e", "http://malo.example/descarga.exe",
        "soporte@phish.example"]
    assert [(e["linea"], e["valor"]) for e in r.errores] == [
        (5, "no-es-un-indicador"), (7, "999.999.1.1")]
    assert all(e["motivo"] for e in r.errores)
    assert r.indicadores_nuevos == 4
    # One timeline row for the whole paste.
    entradas = EntradaTimeline.objects.filter(incidente=incidente, tipo="indicadores")
    assert entradas.count() == 1 and entradas.get().datos["total"] == 4
    assert entradas.get().datos["errores"] == 2
    # Pasting again: nothing new, all reported as already linked.
    r2 = services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                                    texto=["203.0.113.50", "malo.example"])
    assert [v.indicador.valor for v in r2.existentes] == ["203.0.113.50"]
    assert [v.indicador.valor for v in r2.agregados] == ["malo.example"]


def test_pegar_sin_ningun_valido_no_escribe_nada(incidente, analista):
    with pytest.raises(ErrorValidacion) as exc:
        services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                                   texto="uno\ndos\n")
    assert [e["linea"] for e in exc.value.extra["errores"]] == [1, 2]
    assert not Indicador.objects.exists()
    assert not EntradaTimeline.objects.filter(incidente=incidente, tipo="indicadores").exists()


def test_pegar_lote_grande_usa_copy_y_da_lo_mismo(incidente, analista):
    valores = [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(450)] + ["malo.example"]
    r = services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, texto=valores)
    assert len(r.agregados) == 451 and r.indicadores_nuevos == 451
    i = Indicador.objects.get(valor="198.18.0.1")
    assert i.patron == "[ipv4-addr:value = '198.18.0.1']" and i.stix_uuid and i.sco_id
    # Again with more: the existing ones are found, the seen window only widens.
    r2 = services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                                    texto=valores + ["otro.example"])
    assert len(r2.existentes) == 451 and len(r2.agregados) == 1
    assert Indicador.objects.get(valor="198.18.0.1").ultima_vez >= i.ultima_vez


def test_quien_puede_agregar(incidente, reportante_b, auditor, rsi_a):
    with pytest.raises(NoEncontrado):
        services.indicador_agregar(actor=reportante_b, incidente_id=incidente.pk,
                                   valor="malo.example")
    with pytest.raises(PermisoDenegado):
        services.indicador_agregar(actor=auditor, incidente_id=incidente.pk,
                                   valor="malo.example")
    _v, creado = services.indicador_agregar(actor=rsi_a, incidente_id=incidente.pk,
                                            valor="malo.example")
    assert creado


def test_solo_el_personal_quita_y_edita(incidente, reportante_a, analista):
    v, _ = services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                                      valor="malo.example")
    with pytest.raises(PermisoDenegado):
        services.indicador_desvincular(actor=reportante_a, incidente_id=incidente.pk,
                                       vinculo_id=v.pk)
    with pytest.raises(PermisoDenegado):
        services.indicador_actualizar(actor=reportante_a, indicador_id=v.indicador_id,
                                      tlp="clear")
    antes = Indicador.objects.get(pk=v.indicador_id).modificado
    i = services.indicador_actualizar(actor=analista, indicador_id=v.indicador_id, tlp="white",
                                      confianza=80)
    assert (i.tlp, i.confianza) == ("clear", 80) and i.modificado > antes
    assert RegistroAuditoria.objects.filter(accion="indicador.actualizar").count() == 1
    services.indicador_desvincular(actor=analista, incidente_id=incidente.pk, vinculo_id=v.pk)
    assert not IndicadorIncidente.objects.exists() and Indicador.objects.exists()


def test_rollback_no_deja_nada(incidente, analista, monkeypatch):
    from incidentes.indicadores.services import vinculos

    def falla(*a, **k):
        raise RuntimeError("fallo a mitad")

    monkeypatch.setattr(vinculos, "registrar", falla)
    with pytest.raises(RuntimeError):
        services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                                   texto="malo.example\n203.0.113.9")
    assert not Indicador.objects.exists() and not IndicadorIncidente.objects.exists()


def test_candidatos_de_la_descripcion_y_confirmacion(catalogos, reportante_a, entidad_a, analista):
    from tests.incidentes.utiles import reportar

    inc = reportar(reportante_a, entidad_a, descripcion=(
        "Correo de soporte(at)sigep-gob-bo[.]com con enlace hxxps://sigep-gob-bo[.]com/login "
        "desde 10.1.2.3; el DNS era 8.8.8.8."))
    candidatos = selectors.candidatos_de_incidente(usuario=analista, incidente_id=inc.pk)
    assert [(c["tipo"], c["valor"]) for c in candidatos] == [
        ("email-addr", "soporte@sigep-gob-bo.com"), ("url", "https://sigep-gob-bo.com/login"),
        ("domain-name", "sigep-gob-bo.com"), ("ipv4-addr", "10.1.2.3"), ("ipv4-addr", "8.8.8.8")]
    assert candidatos[3]["lista_advertencia"]["codigo"] == "rangos_reservados"
    assert candidatos[4]["lista_advertencia"]["codigo"] == "resolvers_publicos"
    assert not Indicador.objects.exists()     # nothing written until the analyst confirms
    services.indicadores_pegar(actor=analista, incidente_id=inc.pk,
                               texto=[c["original"] for c in candidatos[:2]], origen="extraccion")
    candidatos = selectors.candidatos_de_incidente(usuario=analista, incidente_id=inc.pk)
    assert [c["ya_vinculado"] for c in candidatos] == [True, True, False, False, False]
    assert IndicadorIncidente.objects.filter(origen="extraccion").count() == 2


def test_vigencia_y_confianza_validadas(incidente, analista):
    with pytest.raises(ErrorValidacion) as exc:
        services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                   valor="malo.example", confianza=101, rol="x", tlp="morado")
    assert set(exc.value.extra) == {"confianza", "rol", "tlp"}
    v, _ = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                      valor="malo.example", tlp="TLP:GREEN",
                                      valido_hasta=timezone.now() + timedelta(days=30))
    assert v.indicador.tlp == "green" and v.indicador.valido_hasta


def test_carrera_en_la_copia_cae_al_camino_seguro(incidente, analista, monkeypatch):
    """A concurrent writer inserts one of our values between the existence check and the
    COPY: the COPY fails on the unique constraint, the savepoint rolls back and the
    INSERT … ON CONFLICT path finishes the job (no error, no duplicate)."""
    from incidentes.indicadores import escritura

    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, texto=["198.18.9.9"])
    original = escritura._ids_existentes

    def sin_ver_los_existentes(*a):       # the race: the check misses a concurrent insert
        _existentes, reservados = original(*a)
        return {}, reservados

    monkeypatch.setattr(escritura, "_ids_existentes", sin_ver_los_existentes)
    valores = [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(300)] + ["198.18.9.9"]
    r = services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, texto=valores)
    assert len(r.agregados) == 300 and len(r.existentes) == 1 and r.indicadores_nuevos == 300
    assert Indicador.objects.filter(valor="198.18.9.9").count() == 1
    assert Indicador.objects.count() == 301
