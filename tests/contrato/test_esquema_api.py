"""The API contract (issue 16, finding 8): schemathesis against the live app.

The real server (``cgii.servidor``: gunicorn's master with a uvicorn worker, DEBUG off) runs
on the test database, seeded through the services with two entities, an incident of each
(one classified, with tasks, indicators, a comment and evidence), a PISI plan with an
activity and evidence, and a STIX import. schemathesis reads ``/api/schema/`` and generates
requests for every operation, once as a CGII analyst and once as an entity user (API tokens
with write scope), with path ids drawn from the seeded objects most of the time.

Gates (0 failures each): ``not_a_server_error``, ``response_schema_conformance``,
``status_code_conformance`` (every status answered is documented) and
``content_type_conformance``. ``positive_data_acceptance`` (a schema-valid request refused)
is run and reported, not gated: a schema cannot say every business rule (whether a text is
an indicator, a file's real type, a bundle's objects, dates relative to stored ones); what
remains is listed in docs/seguridad.md.

Bounded: ``CGII_CONTRATO_EJEMPLOS`` cases per operation (default 10), a fixed seed
(``CGII_CONTRATO_SEMILLA``), no shrinking, one worker. The figures (cases, failures by
check, time) are printed (``pytest -s``) and written to the report directory.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import crear_entidad, crear_usuario
from tests.plataforma.test_servidor import iniciar_servidor  # noqa: F401 (fixture)

pytestmark = [pytest.mark.contrato, pytest.mark.timeout(900)]

EJEMPLOS = int(os.environ.get("CGII_CONTRATO_EJEMPLOS", "10"))
SEMILLA = int(os.environ.get("CGII_CONTRATO_SEMILLA", "1"))
PUERTAS = ["not_a_server_error", "response_schema_conformance", "status_code_conformance",
           "content_type_conformance"]
INFORMATIVAS = ["positive_data_acceptance"]
# Failure codes of the reported-only check (schemathesis: "Schema-valid request rejected").
CODIGOS_INFORMATIVOS = {"ST202"}
ST = Path(sys.executable).with_name("st")

# path regex → {path parameter: dictionary of seeded ids}
ENLACES = [
    (r"^/api/v1/incidentes/\{id\}", {"id": "incidentes", "tarea_id": "tareas",
                                      "evidencia_id": "evidencias", "vinculo_id": "vinculos"}),
    (r"^/api/v1/indicadores/\{id\}", {"id": "indicadores"}),
    (r"^/api/v1/stix/importaciones/\{id\}", {"id": "importaciones"}),
    (r"^/api/v1/pisi/catalogos/\{catalogo_id\}", {"catalogo_id": "catalogos"}),
    (r"^/api/v1/pisi/planes/\{id\}", {"id": "planes", "actividad_id": "actividades",
                                       "evidencia_id": "evidencias_pisi"}),
]


def _sembrar(tmp_path) -> dict:
    from cgii.entidades.services import token_crear
    from incidentes import services as incidentes
    from incidentes.indicadores import services as indicadores
    from incidentes.models import Tarea
    from planes_seguridad import cargador as catalogos_pisi
    from planes_seguridad.models import CatalogoControles as Catalogo
    from planes_seguridad.services import soa
    from protocolos import cargador, selectors
    from tests.incidentes.utiles import clasificar, reportar
    from tests.indicadores.utiles import bundle, indicador, json_de
    from tests.planes_seguridad.utiles import PDF, crear_plan

    selectors.limpiar_cache_calendarios()
    cargador.cargar_todo()
    catalogos_pisi.cargar_todo()
    a = crear_entidad(nombre="Ministerio Contrato A", sigla="MCA")
    b = crear_entidad(nombre="Municipio Contrato B", sigla="MCB", nivel="municipal",
                      tipo="gobierno_autonomo")
    rsi_a = crear_usuario(username="contrato_rsi_a", entidad=a, rol_entidad="rsi")
    reportante_b = crear_usuario(username="contrato_rep_b", entidad=b, rol_entidad="reportante")
    analista = crear_usuario(username="contrato_analista", rol_cgii="analista")
    inc_a = reportar(rsi_a, a)
    clasificar(inc_a, analista)
    inc_b = reportar(reportante_b, b, titulo="Malware en el municipio")
    indicadores.indicadores_pegar(actor=analista, incidente_id=inc_a.pk, texto=[
        "45.33.32.156", "malo.example", "hxxps://sigep-gob-bo[.]com/login",
        "d41d8cd98f00b204e9800998ecf8427e"])
    indicadores.indicador_agregar(actor=rsi_a, incidente_id=inc_a.pk, valor="c2.malo.example",
                                  tlp="red", confianza=80)
    incidentes.incidente_comentar(actor=analista, incidente_id=inc_a.pk,
                                  texto="Se pide el encabezado completo.")
    ev = incidentes.evidencia_subir(actor=rsi_a, incidente_id=inc_a.pk, archivo=SimpleUploadedFile(
        "captura.pdf", PDF, content_type="application/pdf"))
    importacion = indicadores.stix_importar(
        actor=analista, contenido=json_de(bundle(indicador("[ipv4-addr:value = '45.33.32.157']"))))
    plan = crear_plan(rsi_a, a)
    hoy = date.today()
    actividad = soa.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Inventario de activos",
                                    inicio_planificado=hoy,
                                    fin_planificado=hoy + timedelta(days=30))
    ev_pisi = soa.evidencia_subir(actor=rsi_a, plan_id=plan.pk, archivo=SimpleUploadedFile(
        "acta.pdf", PDF, content_type="application/pdf"), titulo="Acta")
    _t, clave_analista = token_crear(usuario=analista, nombre="contrato", alcance="escritura",
                                     segundo_factor=True)
    _t, clave_entidad = token_crear(usuario=rsi_a, nombre="contrato", alcance="escritura")
    from incidentes.indicadores.models import IndicadorIncidente

    return {
        "claves": {"analista": clave_analista, "entidad": clave_entidad},
        "ids": {
            "incidentes": [inc_a.pk, inc_b.pk],
            "tareas": list(Tarea.objects.filter(incidente=inc_a).values_list("pk", flat=True)[:5]),
            "evidencias": [ev.pk],
            "vinculos": list(IndicadorIncidente.objects.filter(incidente=inc_a)
                             .values_list("pk", flat=True)[:3]),
            "indicadores": list(IndicadorIncidente.objects.filter(incidente=inc_a)
                                .values_list("indicador_id", flat=True)[:3]),
            "importaciones": [importacion.pk],
            "catalogos": list(Catalogo.objects.values_list("pk", flat=True)[:2]),
            "planes": [plan.pk],
            "actividades": [actividad.pk],
            "evidencias_pisi": [ev_pisi.pk],
        },
    }


def _configuracion(ids: dict) -> str:
    """schemathesis.toml: seeded ids for path parameters (70 % of the draws), no NUL
    characters in generated text (the API refuses them everywhere, cgii.entrada), and the
    one operation that would revoke the run's own token left out."""
    lineas = ["[generation]", "allow-x00 = false", ""]
    for nombre, valores in ids.items():
        lineas += [f"[dictionaries.{nombre}]", f"values = {json.dumps(valores or [0])}", ""]
    for regex, enlaces in ENLACES:
        lineas += ["[[operations]]", f"include-path-regex = {json.dumps(regex)}",
                   "[operations.parameters]"]
        lineas += [f'"path.{p}" = {{ dictionary = "{d}", probability = 0.7 }}'
                   for p, d in enlaces.items()]
        lineas.append("")
    # (one name: include-path and include-method in one block select either, not both)
    lineas += ["[[operations]]", 'include-name = "DELETE /api/v1/tokens/{id}/"',
               "enabled = false", ""]
    return "\n".join(lineas)


def _correr(url: str, clave: str, configuracion: Path, informe: Path) -> dict:
    informe.mkdir(parents=True, exist_ok=True)
    orden = [str(ST), "--config-file", str(configuracion), "run", f"{url}/api/schema/?format=json",
             "--url", url, "-H", f"Authorization: Token {clave}",
             "--checks", ",".join(PUERTAS + INFORMATIVAS),
             "--phases", "examples,fuzzing", "-n", str(EJEMPLOS), "--seed", str(SEMILLA),
             "--no-shrink", "-w", "1", "--request-timeout", "30",
             "--report", "json", "--report-dir", str(informe)]
    inicio = time.monotonic()
    proceso = subprocess.run(orden, capture_output=True, text=True, timeout=600,
                             env={**os.environ, "NO_COLOR": "1"})
    (informe / "salida.txt").write_text(proceso.stdout + proceso.stderr)
    [archivo] = sorted(informe.glob("json-*.json"))[-1:]
    datos = json.loads(archivo.read_text())
    datos["_segundos"] = time.monotonic() - inicio
    return datos


def _resumen(quien: str, datos: dict) -> tuple[dict, dict]:
    casos = datos["test_cases"]
    por_codigo = {f["code"]: (f["title"], f["count"], f["operations"])
                  for f in datos["failures"]}
    puertas = {c: v for c, v in por_codigo.items() if c not in CODIGOS_INFORMATIVOS}
    informativas = {c: v for c, v in por_codigo.items() if c in CODIGOS_INFORMATIVOS}
    operaciones = datos["operations"]
    print(f"\n[schemathesis · {quien}] {operaciones['tested']}/{operaciones['total']} "
          f"operaciones, {casos['generated']} casos, {datos['_segundos']:.1f} s; "
          f"fallas de las puertas: {sum(v[1] for v in puertas.values())}; "
          f"solicitudes válidas rechazadas (informativo): "
          f"{sum(v[1] for v in informativas.values())}; errores: {len(datos['errors'])}")
    for codigo, (titulo, n, operaciones) in por_codigo.items():
        print(f"  {codigo} {titulo}: {n}")
        for o in operaciones:
            print(f"     {o}")
    return puertas, informativas


@pytest.mark.skipif(not settings.ES_POSTGRES or not settings.REDIS_URL,
                    reason="the live server shares the test database (PostgreSQL) and Redis")
@pytest.mark.skipif(shutil.which(str(ST)) is None and not ST.exists(),
                    reason="schemathesis is not installed (pip install -e .[test])")
def test_contrato_de_la_api(iniciar_servidor, tmp_path, settings):  # noqa: F811
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    sembrado = _sembrar(tmp_path)
    servidor = iniciar_servidor(DJANGO_DEBUG="0", WEB_ACCESSLOG="")
    url = servidor.url.rstrip("/")
    configuracion = tmp_path / "schemathesis.toml"
    configuracion.write_text(_configuracion(sembrado["ids"]))
    directorio = Path(os.environ.get("CGII_CONTRATO_INFORME", tmp_path / "informe"))
    fallas = {}
    for quien in ("analista", "entidad"):
        datos = _correr(url, sembrado["claves"][quien], configuracion, directorio / quien)
        puertas, _informativas = _resumen(quien, datos)
        assert datos["test_cases"]["generated"] > 0
        fallas[quien] = {"fallas": puertas, "errores": datos["errors"]}
    assert all(not f["fallas"] and not f["errores"] for f in fallas.values()), fallas
