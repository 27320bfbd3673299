"""Issue 20: mail intake throughput — messages fetched over IMAP and processed per second.

    .venv/bin/python bench/correo.py [--n 1000] [--json FILE]

Starts a private Dovecot (IMAP over TLS + LMTP, tests/servicios_privados.py), delivers
``--n`` messages by LMTP — mixed sizes (a few hundred bytes to ~60 KB of text), 10 % with a
PDF attachment (20–400 KB); 60 % reports from users of an entity, 25 % replies to that
entity's incidents (through their reply token), 15 % from unknown senders (triage) — then
times ``leer_buzon`` (the periodic job itself: fetch, parse, process, MOVE) until the
mailbox is empty, on PostgreSQL (its own database, cgii_bench_correo). Checks that no
message was lost or processed twice (rows against the Message-IDs sent, incidents and
timeline messages against what was sent, the folders' counts). What the run created is
removed at the end. Target: ≥ OBJETIVO_MENSAJES_S messages/s.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import smtplib
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import _comun

_comun.preparar("cgii_bench_correo")

import _limpieza  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from incidentes import services as incidentes  # noqa: E402
from incidentes.correo import buzon, tokens  # noqa: E402
from incidentes.correo.models import Clase, CorreoEntrante  # noqa: E402
from incidentes.models import EntradaTimeline, Incidente  # noqa: E402
from tests.factories import crear_entidad, crear_usuario  # noqa: E402
from tests.servicios_privados import ServidorDovecot  # noqa: E402

OBJETIVO_MENSAJES_S = 20.0
INCIDENTES_PREVIOS = 20
USUARIOS = 10

logging.getLogger("axes").setLevel(logging.WARNING)
logging.getLogger("incidentes").setLevel(logging.WARNING)

PALABRAS = ("correo", "sospechoso", "servidor", "acceso", "cuenta", "phishing", "enlace",
            "contraseña", "firewall", "registro", "ministerio", "portal", "usuario", "alerta")


def _texto(azar: random.Random) -> str:
    largo = int(azar.choice((300, 1_000, 3_000, 10_000, 60_000)) * azar.uniform(0.5, 1.0))
    palabras, total = [], 0
    while total < largo:
        p = azar.choice(PALABRAS)
        palabras.append(p)
        total += len(p) + 1
    palabras.append(f"https://malo-{azar.randrange(10_000)}.com/x 45.33.{azar.randrange(256)}.7")
    return " ".join(palabras)


def _pdf(azar: random.Random) -> bytes:
    relleno = azar.randbytes(azar.randrange(20_000, 400_000))
    return b"%PDF-1.4\n%" + relleno + b"\n%%EOF\n"


def componer(n: int, *, usuarios, incidentes_previos, cuenta: str, semilla: int = 20):
    """(kind, Message-ID, raw bytes, detail) for each message, in delivery order."""
    azar = random.Random(semilla)
    mensajes = []
    for i in range(n):
        r = azar.random()
        clase = "reporte" if r < 0.60 else "respuesta" if r < 0.85 else "desconocido"
        m = EmailMessage(policy=policy.SMTP)
        detalle = ""
        if clase == "desconocido":
            m["From"] = f"vecino{i}@gmail.com"
        else:
            m["From"] = azar.choice(usuarios).email
        m["To"] = f"{cuenta}@cgii.test"
        m["Subject"] = f"Bench {i}: {azar.choice(PALABRAS)}"
        m["Date"] = formatdate(localtime=True)
        m["Message-ID"] = f"<bench-{uuid.uuid4().hex}@bench.test>"
        if clase == "respuesta":
            incidente = azar.choice(incidentes_previos)
            detalle = tokens.token(incidente.pk)
            m["In-Reply-To"] = tokens.id_hilo(incidente.pk)
            m["References"] = tokens.id_hilo(incidente.pk)
        m.set_content(_texto(azar) + "\n\nEl lun, 2 mar 2026, CGII escribió:\n> antes\n")
        if i % 10 == 0:  # exactly 10 % with an attachment
            m.add_attachment(_pdf(azar), maintype="application", subtype="pdf",
                             filename=f"evidencia-{i}.pdf")
        mensajes.append((clase, m["Message-ID"], m.as_bytes(), detalle))
    return mensajes


def entregar(servidor: ServidorDovecot, cuenta: str, mensajes) -> float:
    inicio = time.perf_counter()
    with smtplib.LMTP("127.0.0.1", servidor.puerto_lmtp, timeout=60) as lmtp:
        for _clase, _mid, crudo, detalle in mensajes:
            destino = f"{cuenta}+{detalle}@cgii.test" if detalle else f"{cuenta}@cgii.test"
            lmtp.sendmail("remitente@bench.test", [destino], crudo)
    return time.perf_counter() - inicio


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=1000)
    args = parser.parse_args()
    if not ServidorDovecot.disponible():
        raise SystemExit("Dovecot no está instalado (apt-get install dovecot-imapd "
                         "dovecot-lmtpd)")
    archivos_dir = Path(tempfile.mkdtemp(prefix="cgii-bench-correo-"))
    settings.ARCHIVOS_PRIVADOS_DIR = archivos_dir
    servidor = ServidorDovecot()
    servidor.iniciar()
    cuenta = f"bench{uuid.uuid4().hex[:8]}"
    settings.CORREO_IMAP_HOST, settings.CORREO_IMAP_PUERTO = "127.0.0.1", servidor.puerto_imaps
    settings.CORREO_IMAP_USUARIO, settings.CORREO_IMAP_CLAVE = cuenta, servidor.CLAVE
    settings.CORREO_IMAP_CA, settings.CORREO_ACTIVO = str(servidor.certificado), True
    settings.CORREO_DIRECCION = f"{cuenta}@cgii.test"

    marca = uuid.uuid4().hex[:6]
    entidad = crear_entidad(nombre=f"Bench correo {marca}", sigla=f"BC{marca}")
    usuarios = [crear_usuario(username=f"bench-correo-{marca}-{i}", entidad=entidad,
                              rol_entidad="reportante") for i in range(USUARIOS)]
    previos = [incidentes.incidente_reportar(
        actor=usuarios[0], entidad=entidad, titulo=f"Previo {i}", descripcion="Previo.",
        detectado_en=timezone.now() - timedelta(hours=1)) for i in range(INCIDENTES_PREVIOS)]
    mensajes_antes = EntradaTimeline.objects.filter(incidente__in=previos,
                                                   tipo="mensaje").count()
    try:
        mensajes = componer(args.n, usuarios=usuarios, incidentes_previos=previos,
                            cuenta=cuenta)
        bytes_totales = sum(len(c) for _k, _m, c, _d in mensajes)
        segundos_entrega = entregar(servidor, cuenta, mensajes)

        rondas = 0
        carga_antes = os.getloadavg()[0]
        inicio, cpu = time.perf_counter(), time.process_time()
        while True:
            rondas += 1
            if buzon.leer_buzon() == 0:
                break
        segundos = time.perf_counter() - inicio
        # This process's own CPU (parsing, ORM, IMAP client): on a busy machine the wall
        # time is mostly waiting for a core; this part is not.
        cpu = time.process_time() - cpu
        carga = max(carga_antes, os.getloadavg()[0])

        filas = CorreoEntrante.objects.filter(carpeta=settings.CORREO_CARPETA,
                                              message_id__startswith="<bench-")
        enviados = {mid for _k, mid, _c, _d in mensajes}
        por_id = Counter(filas.filter(message_id__in=enviados).values_list("message_id",
                                                                          flat=True))
        perdidos = len(enviados - set(por_id))
        duplicados = sum(c - 1 for c in por_id.values())
        esperado = Counter(k for k, _m, _c, _d in mensajes)
        clases = Counter(filas.filter(message_id__in=enviados).values_list("clase", flat=True))
        incidentes_nuevos = Incidente.objects.filter(entidad=entidad, origen="correo").count()
        respuestas = EntradaTimeline.objects.filter(
            incidente__in=previos, tipo="mensaje").count() - mensajes_antes
        with buzon.conectar() as cliente:
            en_bandeja = cliente.folder_status(settings.CORREO_CARPETA,
                                               [b"MESSAGES"])[b"MESSAGES"]
            procesados = cliente.folder_status(settings.CORREO_CARPETA_PROCESADOS,
                                               [b"MESSAGES"])[b"MESSAGES"]
        # Effects doubled (an incident or a message per delivered message, not more).
        duplicados += max(incidentes_nuevos - esperado["reporte"], 0) + max(
            respuestas - esperado["respuesta"], 0)
        perdidos += max(esperado["reporte"] - incidentes_nuevos, 0) + max(
            esperado["respuesta"] - respuestas, 0) + en_bandeja
        por_segundo = round(args.n / segundos, 1)
        filas_tabla = [
            ["messages delivered (LMTP)", args.n, f"{bytes_totales / 2**20:.1f} MB",
             f"{segundos_entrega:.1f} s"],
            ["fetched + processed (leer_buzon)", sum(por_id.values()), f"{rondas} run(s)",
             f"{segundos:.1f} s"],
            ["  reports → incidents", esperado["reporte"], incidentes_nuevos,
             clases.get(Clase.REPORTE, 0)],
            ["  replies → timeline messages", esperado["respuesta"], respuestas,
             clases.get(Clase.RESPUESTA, 0)],
            ["  unknown senders → triage", esperado["desconocido"],
             clases.get(Clase.SIN_ENTIDAD, 0), ""],
            ["with attachments", sum(1 for _k, _m, c, _d in mensajes if b"application/pdf" in c),
             "", ""],
            ["left in INBOX / moved to processed", en_bandeja, procesados, ""],
            ["lost / processed twice", perdidos, duplicados, ""],
            ["messages per second", por_segundo, f"target ≥ {OBJETIVO_MENSAJES_S:g}", ""],
            ["intake process CPU per message", "", f"{cpu * 1000 / args.n:.1f} ms",
             f"load {carga:.1f}"],
        ]
        print()
        print(_comun.tabla(
            f"Mail intake: {args.n} messages over IMAP/TLS (private Dovecot) on PostgreSQL",
            ["", "sent", "result", "rows / time"], filas_tabla))
        figuras = {
            "mensajes": args.n, "megabytes": round(bytes_totales / 2**20, 1),
            "segundos": round(segundos, 2), "segundos_entrega": round(segundos_entrega, 2),
            "mensajes_por_segundo": por_segundo, "perdidos": perdidos,
            "duplicados": duplicados, "reportes": esperado["reporte"],
            "incidentes_creados": incidentes_nuevos, "respuestas": esperado["respuesta"],
            "mensajes_en_incidentes": respuestas, "triaje": clases.get(Clase.SIN_ENTIDAD, 0),
            "en_bandeja": en_bandeja, "procesados": procesados, "rondas": rondas,
            "cpu_ms_por_mensaje": round(cpu * 1000 / args.n, 1), "carga": round(carga, 2),
            "target_met": por_segundo >= OBJETIVO_MENSAJES_S and perdidos == 0
            and duplicados == 0,
        }
        _comun.escribir_json(args.json, figuras)
    finally:
        servidor.detener()
        ids = list(Incidente.objects.filter(entidad=entidad).values_list("pk", flat=True))
        CorreoEntrante.objects.filter(message_id__startswith="<bench-").delete()
        borrados = _limpieza.borrar_incidentes(ids)
        shutil.rmtree(archivos_dir, ignore_errors=True)
        print(f"Removed the {borrados:,} incidents and the e-mail rows this run created.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
