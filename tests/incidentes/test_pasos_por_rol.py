"""A checklist step is done only by the role it names (the service decides, so the API and
the page agree): the entity's steps by the entity's people of that role, a coordinator's
steps by a coordinator; and the checklist each user sees comes from one selector."""

import pytest

from incidentes.models import EntradaTimeline, Evidencia, Tarea
from tests.factories import crear_usuario

from .paginas import cliente, mensajes, url
from .utiles import llevar_a

pytestmark = pytest.mark.django_db

PASO_RSI = "phishing-analisis-4"          # "Identificar a los usuarios…", rol rsi
PASO_COORDINADOR = "phishing-contencion-5"  # "Alertar a otras entidades…", rol coordinador


@pytest.fixture
def en_analisis(incidente, analista):
    return llevar_a(incidente, "en_analisis", analista)


def _tarea(incidente, codigo) -> Tarea:
    return Tarea.objects.get(incidente=incidente, codigo_paso=codigo)


def _api_patch(api, usuario, incidente, tarea, **datos):
    return api(usuario).patch(f"/api/v1/incidentes/{incidente.pk}/tareas/{tarea.pk}/",
                              datos, format="json")


@pytest.mark.parametrize("codigo", [PASO_RSI, PASO_COORDINADOR])
def test_el_analista_no_completa_un_paso_de_la_entidad_ni_del_coordinador_por_la_api(
        api, en_analisis, analista, codigo):
    tarea = _tarea(en_analisis, codigo)
    r = _api_patch(api, analista, en_analisis, tarea, estado="hecha", nota="Lo hice yo.")
    assert r.status_code == 403
    assert "solo ese rol puede completarlo" in r.json()["message"]
    # Not a note or an evidence either: the step's content is the named role's record.
    assert _api_patch(api, analista, en_analisis, tarea, nota="x").status_code == 403
    tarea.refresh_from_db()
    assert tarea.estado == "pendiente" and tarea.nota == "" and tarea.completada_por is None
    assert not EntradaTimeline.objects.filter(incidente=en_analisis, tipo="tarea").exists()


@pytest.mark.parametrize("codigo", [PASO_RSI, PASO_COORDINADOR])
def test_el_analista_no_completa_un_paso_ajeno_desde_la_pagina(en_analisis, analista, codigo):
    tarea = _tarea(en_analisis, codigo)
    c = cliente(analista)
    html = c.get(url(en_analisis)).content.decode()
    # The page offers no form for it (only the steps the user may change have one)...
    bloque = html.split(f'data-tarea="{codigo}"', 1)[1].split("</li>", 1)[0]
    assert "form-tarea" not in bloque
    # ...and a hand-made POST is refused with the same reason the API gives.
    r = c.post(url(en_analisis, "tarea"), {"tarea_id": tarea.pk, "estado": "hecha",
                                          "nota": "Lo hice yo."}, follow=True)
    assert r.status_code == 200
    assert any("solo ese rol puede completarlo" in m for m in mensajes(r))
    tarea.refresh_from_db()
    assert tarea.estado == "pendiente"


def test_un_archivo_con_un_paso_rechazado_no_deja_evidencia(en_analisis, analista,
                                                            settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    tarea = _tarea(en_analisis, PASO_RSI)
    cliente(analista).post(url(en_analisis, "tarea"), {
        "tarea_id": tarea.pk, "estado": "hecha", "nota": "x",
        "archivo": SimpleUploadedFile("usuarios.txt", b"ana\nluis\n")}, follow=True)
    assert not Evidencia.objects.filter(incidente=en_analisis).exists()
    carpeta = settings.ARCHIVOS_PRIVADOS_DIR / "incidentes"
    assert not carpeta.exists() or not any(p.is_file() for p in carpeta.rglob("*"))


def test_cada_rol_completa_sus_propios_pasos(api, en_analisis, coordinador, entidad_a):
    rsi = crear_usuario(username="rsi_pasos", entidad=entidad_a, rol_entidad="rsi")
    r = _api_patch(api, rsi, en_analisis, _tarea(en_analisis, PASO_RSI), estado="hecha",
                   nota="Tres usuarios abrieron el enlace.")
    assert r.status_code == 200 and r.json()["completada_por"] == rsi.pk
    r = _api_patch(api, coordinador, en_analisis, _tarea(en_analisis, PASO_COORDINADOR),
                   estado="hecha", nota="Alerta enviada a la red de CSIRT.")
    assert r.status_code == 200 and r.json()["completada_por"] == coordinador.pk
    # The coordinator also works the analyst's steps.
    r = _api_patch(api, coordinador, en_analisis, _tarea(en_analisis, "phishing-analisis-3"),
                   estado="hecha", nota="IOC registrados.")
    assert r.status_code == 200


def test_el_coordinador_no_completa_un_paso_de_la_entidad(api, en_analisis, coordinador):
    r = _api_patch(api, coordinador, en_analisis, _tarea(en_analisis, PASO_RSI),
                   estado="hecha", nota="x")
    assert r.status_code == 403


def test_la_api_y_la_pagina_muestran_las_mismas_tareas(api, en_analisis, analista,
                                                        reportante_a, entidad_a):
    rsi = crear_usuario(username="rsi_vista", entidad=entidad_a, rol_entidad="rsi")
    for usuario in (analista, reportante_a, rsi):
        datos = api(usuario).get(f"/api/v1/incidentes/{en_analisis.pk}/").json()
        por_api = {t["codigo_paso"] for t in datos["tareas"]}
        html = cliente(usuario).get(url(en_analisis)).content.decode()
        en_pagina = {t.codigo_paso for t in Tarea.objects.filter(incidente=en_analisis)
                     if f'data-tarea="{t.codigo_paso}"' in html}
        assert por_api == en_pagina, usuario.username
        editables = {t["codigo_paso"] for t in datos["tareas"] if t["editable"]}
        con_formulario = {c for c in en_pagina
                          if "form-tarea" in html.split(f'data-tarea="{c}"', 1)[1]
                          .split("</li>", 1)[0]}
        abiertas = {t.codigo_paso for t in Tarea.objects.filter(
            incidente=en_analisis, estado="pendiente")}
        assert con_formulario == editables & abiertas, usuario.username
    rsi_tareas = {t["rol"] for t in api(rsi).get(
        f"/api/v1/incidentes/{en_analisis.pk}/").json()["tareas"]}
    assert rsi_tareas == {"rsi"}, "the entity's RSI sees only the RSI's steps"
