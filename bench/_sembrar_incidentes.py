"""Synthetic incidents for bench/incidentes.py, bulk-inserted (never through the services:
100,000 reports through incidente_reportar would take far longer than the benchmark).

- 30 entities (BENCH01..BENCH30), one reporter per entity, 8 CGII analysts.
- N incidents over the last 365 days, codes CGII-<year>-<seq> in time order; the yearly
  counters are set so that later real reports continue the sequence without gaps.
- State by age (recent ones mostly open, older ones mostly closed), priority, type and
  protocol, analyst, and the denormalised SLA columns the queue sorts by (vence_sla,
  estado_sla). No RelojSLA rows: the clocks are optional here, and rows of ámbito
  "incidente" would become due and be swept (with the incident handler) by bench/sla_sweep.py.
- 3–5 timeline entries per incident; the protocol checklist (Tarea) for open classified
  incidents, done up to their current phase.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from cgii.entidades.models import Entidad, Membresia, RolEntidad, Usuario
from incidentes.models import (
    ContadorIncidente,
    EntradaTimeline,
    Incidente,
    Origen,
    Tarea,
    TipoEntrada,
)
from incidentes.states import FASE_DE_ESTADO, Estado
from protocolos.models import Paso, Protocolo, TipoIncidente

LOTE = 5000
ENTIDADES = 30
ANALISTAS = 8
SECTORES = ("Economía", "Salud", "Educación", "Energía", "Hidrocarburos", "Justicia",
            "Gobierno", "Defensa", "Trabajo", "Obras Públicas")
FASES = ("triaje", "analisis", "contencion", "erradicacion", "recuperacion", "cierre")
PRIORIDADES = (("P1", 0.10), ("P2", 0.25), ("P3", 0.45), ("P4", 0.20))
# Rough resolution targets in wall-clock hours, for a plausible vence_sla.
HORAS_OBJETIVO = {"P1": 24, "P2": 48, "P3": 36, "P4": 168}
TITULOS = (
    "Correos de phishing suplantando al SIGEP", "Desfiguración del portal institucional",
    "Ransomware en equipos de contabilidad", "Escaneo masivo de puertos desde el exterior",
    "Credenciales filtradas en un foro", "Denegación de servicio al sitio web",
    "Acceso no autorizado al servidor de correo", "Malware en estaciones de trabajo",
    "Vulnerabilidad crítica en el CMS del portal", "Fuga de datos personales de funcionarios",
    "Cuenta de red social institucional comprometida", "Tráfico sospechoso hacia un C2",
)

# Assets named in descriptions (bench/busqueda.py, bench/escala.py): words to search for.
VOCABULARIO = ["firewall", "proxy", "directorio activo", "base de datos", "VPN", "DNS",
               "certificado", "Active Directory", "servidor web", "respaldo", "impresora",
               "controlador de dominio", "correo masivo", "macro de Office", "PowerShell",
               "cuenta privilegiada", "contraseña débil", "doble factor", "SCADA", "sensor",
               "exfiltración", "cifrado de archivos", "nota de rescate", "botnet", "minería",
               "inyección SQL", "XSS", "fuerza bruta", "RDP expuesto", "parche pendiente"]

# (age limit in days, weights over states): recent reports are still being worked.
_POR_EDAD = (
    (2, {Estado.REPORTADO: 25, Estado.EN_TRIAJE: 25, Estado.EN_ANALISIS: 25,
         Estado.EN_CONTENCION: 10, Estado.EN_ESPERA_ENTIDAD: 5, Estado.RECHAZADO: 5,
         Estado.DUPLICADO: 5}),
    (30, {Estado.EN_TRIAJE: 4, Estado.EN_ANALISIS: 18, Estado.EN_CONTENCION: 14,
          Estado.EN_ERRADICACION: 8, Estado.EN_RECUPERACION: 8, Estado.EN_ESPERA_ENTIDAD: 10,
          Estado.RESUELTO: 18, Estado.CERRADO: 14, Estado.RECHAZADO: 4, Estado.DUPLICADO: 2}),
    (10_000, {Estado.EN_ANALISIS: 1, Estado.EN_RECUPERACION: 1, Estado.EN_ESPERA_ENTIDAD: 1,
              Estado.RESUELTO: 2, Estado.CERRADO: 85, Estado.RECHAZADO: 7,
              Estado.DUPLICADO: 3}),
)
ABIERTOS = {Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS, Estado.EN_CONTENCION,
            Estado.EN_ERRADICACION, Estado.EN_RECUPERACION, Estado.EN_ESPERA_ENTIDAD}
TRABAJO = {Estado.EN_TRIAJE, Estado.EN_ANALISIS, Estado.EN_CONTENCION,
           Estado.EN_ERRADICACION, Estado.EN_RECUPERACION}


def borrar() -> None:
    """Every incident (and by cascade its timeline, tasks, evidence…), their clocks and the
    code counters. The audit chain is append-only and stays.

    Dependency order: the crossings of the incidents' clocks first (the foreign key from
    protocolos_crucesla has no ON DELETE CASCADE in the database; reportes.py seeds them,
    any sweep records more), then the clocks, then the incidents."""
    tablas = [Incidente._meta.db_table, ContadorIncidente._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM protocolos_crucesla WHERE reloj_id IN "
                       "(SELECT id FROM protocolos_relojsla WHERE ambito = 'incidente')")
        cursor.execute("DELETE FROM protocolos_relojsla WHERE ambito = 'incidente'")
        cursor.execute(f"TRUNCATE {', '.join(tablas)} CASCADE")


def personas() -> tuple[list[Entidad], dict[int, Usuario], list[Usuario]]:
    """Entities, their reporter (by entity id) and the analysts; idempotent."""
    entidades, reportantes = [], {}
    for i in range(1, ENTIDADES + 1):
        sector = SECTORES[i % len(SECTORES)]
        municipal = i > 24
        entidad, _ = Entidad.objects.get_or_create(sigla=f"BENCH{i:02d}", defaults={
            "nombre": (f"Gobierno Autónomo Municipal de prueba {i:02d}" if municipal
                       else f"Ministerio de {sector} (prueba {i:02d})"),
            "nivel": "municipal" if municipal else "central",
            "tipo": "gobierno_autonomo" if municipal else "ministerio",
            "sector": sector, "critica": i <= 5})
        entidades.append(entidad)
        reportantes[entidad.pk] = _usuario(f"bench_reportante_{i:02d}", "Reportante", f"{i:02d}")
        Membresia.objects.get_or_create(usuario=reportantes[entidad.pk], entidad=entidad,
                                        rol=RolEntidad.REPORTANTE)
    grupo, _ = Group.objects.get_or_create(name="analista")
    analistas = []
    for i in range(1, ANALISTAS + 1):
        analista = _usuario(f"bench_analista_{i}", "Analista", str(i))
        analista.groups.add(grupo)
        analistas.append(analista)
    return entidades, reportantes, analistas


def _usuario(username: str, nombre: str, apellido: str) -> Usuario:
    usuario, creado = Usuario.objects.get_or_create(
        username=username, defaults={"first_name": nombre, "last_name": apellido})
    if creado:
        usuario.set_unusable_password()  # no password hashing: bench users never log in
        usuario.save(update_fields=["password"])
    return usuario


class _Generador:
    def __init__(self, *, ahora: datetime, semilla: int):
        self.rng = random.Random(semilla)
        self.ahora = ahora
        self.entidades, self.reportantes, self.analistas = personas()
        self.tipos = list(TipoIncidente.objects.filter(activo=True))
        vigentes = {p.codigo: p for p in Protocolo.objects.filter(vigente=True)}
        self.protocolo_de = {t.pk: vigentes.get(t.protocolo_codigo) or vigentes["general"]
                             for t in self.tipos}
        self.pasos = defaultdict(list)
        for paso in Paso.objects.filter(protocolo__vigente=True).order_by("orden"):
            self.pasos[paso.protocolo_id].append(paso)

    def _estado(self, edad: timedelta) -> str:
        for limite, pesos in _POR_EDAD:
            if edad <= timedelta(days=limite):
                return self.rng.choices(list(pesos), list(pesos.values()))[0]
        raise AssertionError("unreachable")

    def incidente(self, codigo: str, creado: datetime) -> Incidente:
        rng = self.rng
        estado = self._estado(self.ahora - creado)
        prioridad = rng.choices([p for p, _ in PRIORIDADES], [w for _, w in PRIORIDADES])[0]
        entidad = rng.choice(self.entidades)
        clasificado = estado not in (Estado.REPORTADO, Estado.EN_TRIAJE) or rng.random() < 0.3
        tipo = rng.choice(self.tipos) if clasificado else None
        analista = None if estado == Estado.REPORTADO else rng.choice(self.analistas)
        objetivo = timedelta(hours=HORAS_OBJETIVO[prioridad])
        vence_sla, estado_sla = None, ""
        if estado in ABIERTOS and estado != Estado.EN_ESPERA_ENTIDAD:
            # Running clocks: time spent waiting on the entity pushed the deadline out.
            vence_sla = creado + objetivo * rng.uniform(0.3, 1.0) + timedelta(
                hours=rng.expovariate(1 / 24))
            restante = vence_sla - self.ahora
            estado_sla = ("incumplido" if restante <= timedelta(0) else
                          "advertencia" if restante < objetivo * 0.25 else "ok")
        elif estado == Estado.EN_ESPERA_ENTIDAD:
            estado_sla = "pausado"
        else:
            estado_sla = "cumplido" if rng.random() < 0.85 else "incumplido"
        cerrado = estado in (Estado.RESUELTO, Estado.CERRADO)
        resuelto_en = creado + objetivo * rng.uniform(0.2, 1.5) if cerrado else None
        return Incidente(
            codigo=codigo, entidad=entidad, reportante=self.reportantes[entidad.pk],
            origen=Origen.ENTIDAD if rng.random() < 0.85 else Origen.CGII_MONITOREO,
            titulo=rng.choice(TITULOS), estado=estado, prioridad=prioridad,
            descripcion="Incidente sintético del benchmark: el responsable de la entidad "
                        "describe lo observado, los sistemas afectados y las acciones tomadas.",
            detectado_en=creado - timedelta(minutes=rng.uniform(5, 360)),
            activos_afectados="Portal web institucional" if rng.random() < 0.5 else "",
            tipo=tipo, version_taxonomia=1 if tipo else None,
            protocolo=self.protocolo_de[tipo.pk] if tipo else None,
            impacto=rng.randint(1, 4) if tipo else None,
            urgencia=rng.randint(1, 4) if tipo else None, analista=analista,
            tlp=rng.choice(("amber", "amber", "amber", "green", "red")),
            motivo_rechazo="Fuera del ámbito del CGII." if estado == Estado.RECHAZADO else "",
            resumen_cierre="Contenido y erradicado; servicio restablecido." if cerrado else "",
            primera_respuesta_en=(None if estado == Estado.REPORTADO
                                  else creado + timedelta(minutes=rng.uniform(5, 120))),
            resuelto_en=resuelto_en,
            cerrado_en=(resuelto_en + timedelta(days=rng.uniform(0.5, 5))
                        if estado == Estado.CERRADO else None),
            vence_sla=vence_sla, estado_sla=estado_sla, creado=creado,
        )

    def timeline(self, inc: Incidente) -> list[EntradaTimeline]:
        rng = self.rng
        momento = inc.creado
        entradas = [EntradaTimeline(incidente=inc, tipo=TipoEntrada.REPORTE,
                                    actor=inc.reportante, visible_entidad=True, creado=momento,
                                    texto="Incidente reportado por la entidad.",
                                    datos={"origen": inc.origen, "evidencias": 0})]
        posibles = [(TipoEntrada.ASIGNACION, False, "Incidente asignado."),
                    (TipoEntrada.TRANSICION, True, "Cambio de estado."),
                    (TipoEntrada.CLASIFICACION, False, "Clasificado según la taxonomía."),
                    (TipoEntrada.COMENTARIO, False, "Se revisan los registros del servidor."),
                    (TipoEntrada.MENSAJE, True, "Por favor adjunte las cabeceras del correo.")]
        for tipo, visible, texto in rng.sample(posibles, rng.randint(2, 4)):
            momento += timedelta(minutes=rng.uniform(3, 240))
            entradas.append(EntradaTimeline(
                incidente=inc, tipo=tipo, actor=inc.analista, visible_entidad=visible,
                texto=texto, datos={"estado": inc.estado}, creado=momento))
        return entradas

    def tareas(self, inc: Incidente) -> list[Tarea]:
        """The checklist of an open classified incident: earlier phases done."""
        if inc.protocolo is None or inc.estado not in TRABAJO:
            return []
        actual = FASES.index(FASE_DE_ESTADO[inc.estado])
        return [Tarea(incidente=inc, paso=p, codigo_paso=p.codigo, fase=p.fase, orden=p.orden,
                      titulo=p.titulo, instrucciones=p.instrucciones, obligatoria=p.obligatorio,
                      rol=p.rol, requiere_evidencia=p.requiere_evidencia,
                      requiere_nota=p.requiere_nota,
                      estado="hecha" if p.fase in FASES[:actual] else "pendiente")
                for p in self.pasos[inc.protocolo_id]]


def _codigos(instantes: list[datetime]) -> tuple[list[str], dict[int, int]]:
    """CGII-<year>-<seq> in time order, and the last number of each year."""
    ultimos: dict[int, int] = defaultdict(int)
    codigos = []
    for instante in instantes:
        anio = timezone.localtime(instante).year
        ultimos[anio] += 1
        codigos.append(f"CGII-{anio}-{ultimos[anio]:05d}")
    return codigos, dict(ultimos)


def sembrar(n: int, *, ahora: datetime, semilla: int = 2514, progreso=print) -> dict:
    gen = _Generador(ahora=ahora, semilla=semilla)
    instantes = sorted(ahora - timedelta(days=gen.rng.uniform(0, 365)) for _ in range(n))
    codigos, ultimos = _codigos(instantes)
    cuentas = defaultdict(int)
    for desde in range(0, n, LOTE):
        tramo = zip(codigos[desde:desde + LOTE], instantes[desde:desde + LOTE], strict=True)
        incidentes = [gen.incidente(codigo, instante) for codigo, instante in tramo]
        Incidente.objects.bulk_create(incidentes)  # PostgreSQL returns the new ids
        entradas = [e for inc in incidentes for e in gen.timeline(inc)]
        tareas = [t for inc in incidentes for t in gen.tareas(inc)]
        EntradaTimeline.objects.bulk_create(entradas, batch_size=LOTE)
        Tarea.objects.bulk_create(tareas, batch_size=LOTE)
        cuentas["incidentes"] += len(incidentes)
        cuentas["timeline"] += len(entradas)
        cuentas["tareas"] += len(tareas)
        if cuentas["incidentes"] % 25_000 == 0 or cuentas["incidentes"] == n:
            progreso(f"  {cuentas['incidentes']:,} incidents, {cuentas['timeline']:,} timeline "
                     f"entries, {cuentas['tareas']:,} tasks")
    for anio, ultimo in ultimos.items():
        ContadorIncidente.objects.update_or_create(anio=anio, defaults={"ultimo": ultimo})
    return dict(cuentas)
