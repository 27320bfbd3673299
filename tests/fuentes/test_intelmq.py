"""IntelMQ's own REST API output bot against the live test server (issue 19).

The server is the real ASGI app in a subprocess on the test database (the browser tests'
``ServidorAsgi``); the bot is IntelMQ's (``intelmq.bots.outputs.restapi.output``), run in
IntelMQ 3's library mode with the runtime.yaml section documented in
docs/intelmq/runtime.yaml; the events are built with IntelMQ's harmonisation classes. Then
the database must show the routing, the de-duplication (the bot sends everything twice) and
the aggregation into one incident per entity.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

pytest.importorskip("intelmq")

RAIZ = Path(__file__).resolve().parents[2]
BOT = "cgii-plataforma"


@pytest.fixture
def servidor(catalogos_en_vivo, tmp_path, settings):
    """The live ASGI server of the browser tests (imported here, not at module level: that
    conftest allows async-unsafe ORM calls for Playwright, which these tests do not need)."""
    from tests.e2e.conftest import ServidorAsgi, _puerto_libre, _url_base_de_datos

    if not settings.ES_POSTGRES or not settings.REDIS_URL:
        pytest.skip("the live server test needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    capa = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    entorno = {**os.environ, "DATABASE_URL": _url_base_de_datos(),
               "REDIS_URL": settings.REDIS_URL,
               "CGII_CHANNELS_PREFIX": capa.get("prefix", "cgii"),
               "CGII_ARCHIVOS_DIR": str(tmp_path / "archivos"),
               "DJANGO_SETTINGS_MODULE": "cgii.settings", "PYTHONPATH": str(RAIZ)}
    proceso = ServidorAsgi(entorno, _puerto_libre(), tmp_path / "daphne.log")
    proceso.iniciar()
    yield proceso
    proceso.detener()


@pytest.fixture
def catalogos_en_vivo(transactional_db):
    from protocolos import cargador, selectors

    selectors.limpiar_cache_calendarios()
    cargador.cargar_todo()
    yield
    selectors.limpiar_cache_calendarios()


def correr_bot(tmp_path: Path, url: str, clave: str, eventos: list[dict]) -> str:
    """IntelMQ's bot in a process of its own, configured by the documented runtime.yaml."""
    raiz = tmp_path / "intelmq"
    (raiz / "etc").mkdir(parents=True, exist_ok=True)
    documentado = (RAIZ / "docs/intelmq/runtime.yaml").read_text(encoding="utf-8")
    (raiz / "etc/runtime.yaml").write_text(
        documentado.replace("https://cgii.example.gob.bo", url)
        .replace("cgii_REEMPLAZAR_POR_LA_CLAVE", clave), encoding="utf-8")
    ruta = tmp_path / "eventos.json"
    ruta.write_text(json.dumps(eventos), encoding="utf-8")
    salida = subprocess.run(
        [sys.executable, str(RAIZ / "tests/fuentes/bot_intelmq.py"), BOT, str(ruta)],
        env={**os.environ, "INTELMQ_ROOT_DIR": str(raiz)}, capture_output=True, text=True,
        timeout=120)
    assert salida.returncode == 0, salida.stdout[-3000:] + salida.stderr[-3000:]
    return salida.stdout


def eventos_shadowserver() -> list[dict]:
    """What IntelMQ's Shadowserver parser emits for an "Accessible RDP" report (the fields
    that matter), plus a domain-only and an ASN-only event and one nobody owns."""
    momento = (timezone.now() - timedelta(hours=3)).replace(microsecond=0).isoformat()
    base = {"feed.name": "Accessible-RDP", "feed.provider": "Shadowserver",
            "classification.taxonomy": "vulnerable",
            "classification.type": "potentially-unwanted-accessible",
            "classification.identifier": "accessible-rdp", "protocol.transport": "tcp",
            "source.port": 3389, "time.source": momento, "extra.naics": 921110,
            "raw": "aXAscG9ydA=="}
    return [
        {**base, "source.ip": "200.87.12.7", "source.asn": 26210},     # B: the /24 inside A's
        {**base, "source.ip": "200.87.12.8"},                          # B
        {**base, "source.ip": "200.87.40.1"},                          # A: the /16
        {**base, "source.ip": "2800:cd0:10::7"},                       # B: IPv6
        {**base, "source.fqdn": "Escritorio.MinPruebas.gob.bo."},     # A: by name (sanitised)
        {**base, "source.ip": "190.5.5.5", "source.asn": 64500},       # B: by ASN
        {**base, "source.ip": "190.9.9.9"},                            # nobody's
    ]


def test_el_bot_rest_de_intelmq_enruta_deduplica_y_agrega(servidor, tmp_path, entidad_a,
                                                           entidad_b):
    from cgii.entidades.services import token_crear
    from incidentes.fuentes.models import Agregacion, EventoFuente, Fuente, Politica
    from incidentes.fuentes.services import consolidar_pendientes
    from incidentes.models import Incidente, Origen
    from tests.factories import crear_usuario

    from .utiles import registrar

    analista = crear_usuario(username="analista_intelmq", rol_cgii="analista")
    for entidad, tipo, valor in [(entidad_a, "red", "200.87.0.0/16"),
                                 (entidad_a, "dominio", "minpruebas.gob.bo"),
                                 (entidad_b, "red", "200.87.12.0/24"),
                                 (entidad_b, "red", "2800:cd0:10::/48"),
                                 (entidad_b, "asn", "AS64500")]:
        registrar(analista, entidad, tipo, valor)
    Fuente.objects.create(proveedor="Shadowserver", nombre="Accessible-RDP",
                          politica=Politica.INCIDENTE)
    cuenta = crear_usuario(username="intelmq", rol_cgii="analista")
    # An automation account: write scope, created as an administrator would (TOTP passed).
    _token, clave = token_crear(usuario=cuenta, nombre="IntelMQ", actor="pruebas",
                                alcance="escritura", segundo_factor=True)

    eventos = eventos_shadowserver()
    assert "enviados: 7" in correr_bot(tmp_path, servidor.url, clave, eventos)
    # IntelMQ retries and overlapping reports send the same events again: nothing doubles.
    assert "enviados: 7" in correr_bot(tmp_path, servidor.url, clave, eventos)

    guardados = {e.host: (e.entidad_id, e.via) for e in EventoFuente.objects.all()}
    assert guardados == {
        "200.87.12.7": (entidad_b.pk, "ip"), "200.87.12.8": (entidad_b.pk, "ip"),
        "200.87.40.1": (entidad_a.pk, "ip"), "2800:cd0:10::7": (entidad_b.pk, "ip"),
        "escritorio.minpruebas.gob.bo": (entidad_a.pk, "fqdn"),
        "190.5.5.5": (entidad_b.pk, "asn"), "190.9.9.9": (None, ""),
    }
    e = EventoFuente.objects.get(host="200.87.12.7")
    assert (e.puerto, e.protocolo, e.identificador, e.asn, e.datos["extra.naics"]) == (
        3389, "tcp", "accessible-rdp", 26210, 921110)

    assert consolidar_pendientes(espera_minima=timedelta(0)) == 2
    por_entidad = {a.entidad_id: (a.eventos, a.hosts) for a in Agregacion.objects.all()}
    assert por_entidad == {entidad_a.pk: (2, 2), entidad_b.pk: (4, 4)}
    incidentes = {i.entidad_id: i for i in Incidente.objects.all()}
    assert set(incidentes) == {entidad_a.pk, entidad_b.pk}
    assert all(i.origen == Origen.FUENTE_EXTERNA and i.tipo.codigo ==
               "servicio-expuesto-no-deseado" for i in incidentes.values())
