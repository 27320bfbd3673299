"""Synthetic PISI data for bench/reportes.py, bulk-inserted with COPY (never through the
services: 500 plans × 93 controls × 2 closed periods through plan_transicionar,
controles_revisar and periodo_transicionar would take far longer than the benchmark).

- 500 entities: the 30 of bench/incidentes.py (BENCH01..BENCH30, which carry the incidents)
  plus BENCHP031..BENCHP500, mostly central level (ministries, decentralised, deconcentrated
  and autarchic institutions) with public companies, departmental and municipal
  governments, universities, indigenous autonomies and others; about 10 % critical. One RSI
  user per entity (membership ``rsi``), one CGII auditor (``bench_auditor``, group auditor).
- One PISI per entity for gestión G on the ISO/IEC 27002:2022 catalog (93 controls): 450
  vigente, the rest aprobado / conforme / en_revision / presentado / observado / borrador,
  with the dates, RSI, committee, policy, resolution, validity and verification code their
  state implies (what the governance checklist reads), and their deadlines (met ones, and
  the one running, warned / overdue as the sweep would have marked it).
- The SoA (93 rows per plan; a few controls excluded with a justification; undecided rows
  only in drafts), 2–8 schedule activities linked to controls, evidence (links; mostly
  approved) and findings (every grade; some closed, a few from incidents, a few waiting
  for the next period).
- The risk register (issue 23): 4-10 information assets and 5-15 risk scenarios per plan
  (drafts: fewer, some without treatment), MAGERIT threats, levels from the matrix in force,
  mitigation linked to 1-3 applicable SoA rows and sometimes an activity, residual risk
  for the treated ones, and the MAE's acceptance where the matrix asks for it on plans past
  submission (recorded as the entity's RSI user: the bench seeds no MAE users).
- For every plan in force, two CLOSED follow-up periods (cut-off 30 June and 31 October of
  G) with their 93 RevisionControl rows and their 93 SnapshotControl rows, inserted in their
  final state (the PostgreSQL triggers refuse UPDATE/DELETE of closed periods, their reviews
  and snapshots). Each plan has a latent quality (0.05–0.85) that rises from period 1 to
  period 2 and each control a latent draw (biased per theme: technological controls weaker,
  physical ones stronger), so results, status and maturity improve monotonically.
  Snapshot counts of approved evidence and open findings are those at each closing instant.

G is the current year once two closed periods fit in it (from 25 November), else the year
before. ``borrar`` TRUNCATEs the plan table CASCADE (row triggers do not fire on TRUNCATE):
every plan of the bench database goes, entities and users stay (they are reused).
"""

from __future__ import annotations

import base64
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from _copia import copiar, reservar_ids
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from cgii.entidades.models import Entidad, Membresia, RolEntidad, Usuario
from planes_seguridad import cargador as cargador_pisi
from planes_seguridad import riesgo as riesgo_pisi
from planes_seguridad.models import (
    PUNTAJE,
    Actividad,
    ActivoInformacion,
    Aplicabilidad,
    CatalogoControles,
    Control,
    ElementoRiesgo,
    EscenarioRiesgo,
    Evidencia,
    Hallazgo,
    MatrizRiesgo,
    PeriodoSeguimiento,
    PlanInstitucional,
    Plazo,
    RevisionControl,
    SnapshotControl,
)
from planes_seguridad.services.plazos import calcular_vencimiento
from planes_seguridad.states import RESPONSABLE_PLAZO, TipoPlazo

# Bumped when the generated data changes: bench/reportes.py reseeds a seed of another version.
VERSION = 3
CATALOGO = "iso27002-2022"
ENTIDADES = 500
PREFIJO = "BENCHP"  # BENCHP031..BENCHP500; BENCH01..BENCH30 come from _sembrar_incidentes
# State of the 500 plans (the rest of the 500 after these are vigente).
ESTADOS = {"aprobado": 12, "conforme": 6, "en_revision": 10, "presentado": 8, "observado": 6,
           "borrador": 8}
SECTORES = ("Economía", "Salud", "Educación", "Energía", "Hidrocarburos", "Justicia",
            "Gobierno", "Defensa", "Trabajo", "Obras Públicas", "Desarrollo Rural",
            "Medio Ambiente", "Culturas", "Comunicación", "Minería", "Planificación")
DEPARTAMENTOS = ("La Paz", "Cochabamba", "Santa Cruz", "Oruro", "Potosí", "Chuquisaca",
                 "Tarija", "Beni", "Pando")
# (nivel, tipo, share of the 470 extra entities, name pattern)
PERFILES = (
    ("central", "descentralizada", 0.30, "Servicio Nacional de {s}"),
    ("central", "desconcentrada", 0.20, "Agencia Estatal de {s}"),
    ("central", "autarquica", 0.12, "Autoridad de Fiscalización de {s}"),
    ("central", "ministerio", 0.08, "Viceministerio de {s}"),
    ("empresa_publica", "empresa", 0.08, "Empresa Pública de {s}"),
    ("municipal", "gobierno_autonomo", 0.12, "Gobierno Autónomo Municipal de {d}"),
    ("departamental", "gobierno_autonomo", 0.02, "Gobierno Autónomo Departamental de {d}"),
    ("universidad", "universidad", 0.04, "Universidad Pública de {d}"),
    ("indigena", "gobierno_autonomo", 0.01, "Autonomía Indígena Originaria Campesina de {d}"),
    ("otro", "otro", 0.03, "Fondo Nacional de {s}"),
)
UNIDADES = ("Dirección de Tecnologías de la Información", "Unidad de Sistemas",
            "Dirección Administrativa", "Recursos Humanos", "Asesoría Jurídica",
            "Unidad de Seguridad de la Información", "Dirección de Planificación")
ACTIVIDADES = ("Aprobar la política de seguridad de la información", "Inventario de activos",
               "Análisis y evaluación de riesgos", "Capacitación en concienciación",
               "Gestión de accesos y contraseñas", "Copias de respaldo y pruebas de restauración",
               "Gestión de vulnerabilidades y parches", "Plan de continuidad de TI",
               "Registro y monitoreo de eventos", "Clasificación de la información",
               "Seguridad en el desarrollo de sistemas", "Gestión de incidentes de seguridad")
JUSTIFICACIONES = ("La entidad no desarrolla software: los sistemas son provistos por AGETIC.",
                   "No hay centro de datos propio; el servicio está en la nube del Estado.",
                   "La entidad no tiene teletrabajo autorizado.",
                   "Sin proveedores de servicios de TI contratados en esta gestión.")
HALLAZGOS = ("Las copias de respaldo no se prueban periódicamente.",
             "Cuentas de exfuncionarios siguen activas en el directorio.",
             "No existe registro de eventos en los servidores críticos.",
             "La política de contraseñas no se aplica en los sistemas heredados.",
             "El inventario de activos está desactualizado.",
             "Falta un procedimiento formal de gestión de incidentes.")
# Added to each control's latent draw by theme (higher = weaker).
SESGO_DOMINIO = {"5": 0.0, "6": -0.04, "7": -0.08, "8": 0.10}
GRADOS = (("no_conformidad_mayor", 0.12), ("no_conformidad_menor", 0.30),
          ("observacion", 0.38), ("oportunidad_mejora", 0.20))
TABLAS = ("planes_seguridad_planinstitucional", "planes_seguridad_aplicabilidad",
          "planes_seguridad_actividad", "planes_seguridad_actividad_controles",
          "planes_seguridad_evidencia", "planes_seguridad_hallazgo", "planes_seguridad_plazo",
          "planes_seguridad_periodoseguimiento", "planes_seguridad_revisioncontrol",
          "planes_seguridad_snapshotcontrol", "planes_seguridad_activoinformacion",
          "planes_seguridad_escenarioriesgo", "planes_seguridad_escenarioriesgo_controles",
          "planes_seguridad_escenarioriesgo_actividades", "entidades_entidad",
          "entidades_membresia")
TIPOS_ACTIVO = ("informacion", "servicio", "software", "hardware", "red", "soporte",
                "instalacion", "personal")
NOMBRES_ACTIVO = ("Sistema de correspondencia", "Base de datos de personal", "Portal web",
                  "Correo institucional", "Servidores del centro de datos", "Red LAN",
                  "Copias de respaldo", "Sistema contable", "Equipos de usuario",
                  "Archivo documental", "Sistema de trámites en línea", "Personal de TI")


def borrar() -> None:
    """Every plan and, by cascade, its SoA, schedule, evidence, findings, deadlines, history,
    periods, reviews and snapshots (TRUNCATE: the immutability triggers are row triggers)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE planes_seguridad_planinstitucional CASCADE")


def cargar_catalogo() -> CatalogoControles:
    """The control catalogs (_comun.preparar loads only the protocol catalogs)."""
    with transaction.atomic():
        cargador_pisi.cargar_todo()
    return CatalogoControles.objects.filter(codigo=CATALOGO).order_by("-version").first()


def gestion_de(hoy: date) -> int:
    return hoy.year if hoy >= date(hoy.year, 11, 25) else hoy.year - 1


# ---- people --------------------------------------------------------------------------------

def _entidades(rng: random.Random, total: int) -> list[Entidad]:
    """BENCH01..30 (created by _sembrar_incidentes.personas) + BENCHP031..BENCHP<total>
    (fewer than 30: the first ``total`` BENCH ones)."""
    from _sembrar_incidentes import personas

    base, _, _ = personas()
    base = base[:total]
    pesos = [p[2] for p in PERFILES]
    nuevas = []
    for i in range(len(base) + 1, total + 1):
        nivel, tipo, _, patron = rng.choices(PERFILES, pesos)[0]
        sector, depto = rng.choice(SECTORES), rng.choice(DEPARTAMENTOS)
        nuevas.append(Entidad(
            sigla=f"{PREFIJO}{i:03d}", nivel=nivel, tipo=tipo, sector=sector,
            nombre=f"{patron.format(s=sector, d=depto)} (prueba {i:03d})",
            critica=rng.random() < 0.10, correo_contacto=f"seguridad{i:03d}@prueba.gob.bo"))
    Entidad.objects.bulk_create(nuevas, ignore_conflicts=True)
    siglas = [e.sigla for e in base] + [e.sigla for e in nuevas]
    por_sigla = Entidad.objects.in_bulk(siglas, field_name="sigla")
    return [por_sigla[s] for s in siglas]


def _personas(entidades: list[Entidad]) -> tuple[dict[int, Usuario], Usuario]:
    """One RSI per entity (by entity id) and the CGII auditor; idempotent."""
    nombres = {e.pk: f"bench_rsi_{e.sigla.lower()}" for e in entidades}
    Usuario.objects.bulk_create(
        [Usuario(username=u, first_name="RSI", last_name=u[10:].upper(),
                 email=f"{u}@prueba.gob.bo", password=make_password(None))
         for u in nombres.values()], ignore_conflicts=True)
    usuarios = Usuario.objects.in_bulk(list(nombres.values()), field_name="username")
    rsi = {pk: usuarios[u] for pk, u in nombres.items()}
    Membresia.objects.bulk_create(
        [Membresia(usuario=rsi[e.pk], entidad=e, rol=RolEntidad.RSI) for e in entidades],
        ignore_conflicts=True)
    auditor, creado = Usuario.objects.get_or_create(
        username="bench_auditor", defaults={"first_name": "Auditor", "last_name": "Bench",
                                            "password": make_password(None)})
    auditor.groups.add(Group.objects.get_or_create(name="auditor")[0])
    return rsi, auditor


# ---- the generator -------------------------------------------------------------------------

def _momento(dia: date, rng: random.Random) -> datetime:
    """An aware instant in office hours on ``dia``."""
    return timezone.make_aware(datetime.combine(dia, time(8, 30))
                               + timedelta(minutes=rng.uniform(0, 540)))


def _nivel(u: float, q: float) -> int:
    """0 = no_cumple, 1 = parcial, 2 = cumple; monotone in the plan's quality q."""
    return 2 if u < q else 1 if u < q + (1 - q) * 0.55 else 0


RESULTADOS = ("no_cumple", "cumple_parcialmente", "cumple")


def _implementacion(u: float, q: float) -> tuple[str, int]:
    if u < q * 0.95:
        return "implementado", 3 + (u < q * 0.5) + (u < q * 0.2)
    if u < q + (1 - q) * 0.6:
        return "en_proceso", 1 + (u < q + (1 - q) * 0.3)
    return "no_iniciado", 0


class _Generador:
    def __init__(self, *, hoy: date, gestion: int, catalogo: CatalogoControles,
                 semilla: int):
        self.rng = random.Random(semilla)
        self.hoy, self.g = hoy, gestion
        self.ahora = timezone.now()
        self.controles = list(Control.objects.filter(catalogo=catalogo)
                              .select_related("dominio").order_by("orden"))
        self.catalogo = catalogo
        self.filas: dict[str, list] = defaultdict(list)
        self.matriz = MatrizRiesgo.objects.filter(vigente=True).order_by("-version").first()
        self.amenazas = list(ElementoRiesgo.objects.filter(catalogo__tipo="amenazas",
                                                           catalogo__vigente=True))
        self.vulnerabilidades = list(ElementoRiesgo.objects.filter(
            catalogo__tipo="vulnerabilidades", catalogo__vigente=True))

    # -- plan ------------------------------------------------------------------------------
    def plan(self, entidad: Entidad, estado: str, rsi: Usuario, auditor: Usuario):
        rng, g = self.rng, self.g
        en_vigor = estado == "vigente"
        fechas: dict[str, date] = {}
        if en_vigor:
            creado = date(g, 1, 10) + timedelta(days=rng.randint(0, 35))
            presentado = creado + timedelta(days=rng.randint(15, 30))
            conforme = presentado + timedelta(days=rng.randint(10, 25))
            aprobado = conforme + timedelta(days=rng.randint(2, 7))
            vigente = aprobado + timedelta(days=rng.randint(3, 10))
        else:
            # Plans still on their way: the current stage started recently.
            orden = ["presentado", "en_revision", "observado", "conforme", "aprobado"]
            etapas = orden[:orden.index(estado) + 1] if estado in orden else []
            dia = self.hoy - timedelta(days=rng.randint(3, 25))
            for etapa in reversed(etapas):
                fechas[etapa] = dia
                dia -= timedelta(days=rng.randint(5, 20))
            creado = dia - timedelta(days=rng.randint(10, 60))
            presentado = fechas.get("presentado")
            conforme = fechas.get("conforme")
            aprobado = fechas.get("aprobado")
            vigente = None
        completo = estado != "borrador" or rng.random() < 0.5
        comite = [{"nombre": f"Miembro {k} {entidad.sigla}", "cargo": rng.choice(UNIDADES),
                   "rol": ("presidente", "secretario")[k] if k < 2 else "miembro",
                   "unidad": rng.choice(UNIDADES)} for k in range(rng.randint(3, 6))]
        codigo = None
        if conforme is not None:
            sufijo = base64.b32encode(rng.randbytes(5)).decode()
            codigo = f"PISI-{entidad.sigla}-{g}-{sufijo}"
        plan = PlanInstitucional(
            entidad=entidad, gestion=g, version=1, catalogo=self.catalogo,
            alcance=(f"Procesos sustantivos y de apoyo de {entidad.nombre}; sistemas de "
                     "información, centro de datos y red institucional."),
            rsi=rsi if completo else None, comite=comite if completo else [],
            politica_nombre="politica-seguridad.pdf" if completo else "",
            politica_ruta=f"pisi/bench/{entidad.sigla}/politica.pdf" if completo else "",
            politica_tipo_mime="application/pdf" if completo else "",
            politica_tamano=rng.randint(80_000, 900_000) if completo else None,
            politica_sha256=rng.randbytes(32).hex() if completo else "",
            politica_aprobada_en=(creado + timedelta(days=rng.randint(1, 10))
                                  if completo else None),
            matriz_riesgo=self.matriz,
            resolucion_cite=f"RM/{entidad.sigla}/{rng.randint(10, 999)}/{g}" if aprobado else "",
            resolucion_fecha=aprobado,
            resolucion_nombre="resolucion.pdf" if aprobado else "",
            resolucion_ruta=f"pisi/bench/{entidad.sigla}/resolucion.pdf" if aprobado else "",
            resolucion_tipo_mime="application/pdf" if aprobado else "",
            resolucion_tamano=rng.randint(50_000, 300_000) if aprobado else None,
            resolucion_sha256=rng.randbytes(32).hex() if aprobado else "",
            vigencia_desde=vigente,
            vigencia_hasta=date(g + rng.choice((1, 1, 2)), 12, 31) if vigente else None,
            estado=estado,
            observaciones=("Completar la justificación de los controles excluidos y el "
                           "inventario de activos." if estado == "observado" else ""),
            codigo_verificacion=codigo,
            presentado_en=_momento(presentado, rng) if presentado else None,
            conforme_en=_momento(conforme, rng) if conforme else None,
            conforme_por=auditor if conforme else None,
            aprobado_en=_momento(aprobado, rng) if aprobado else None,
            vigente_en=_momento(vigente, rng) if vigente else None,
            creado_por=rsi, creado=_momento(creado, rng),
            actualizado=self.ahora,
        )
        plan._fechas = {**fechas, "presentado": presentado, "conforme": conforme, "aprobado": aprobado,
                        "vigente": vigente, "creado": creado}
        return plan

    def plazos(self, plan) -> None:
        """Met deadlines of the stages passed, and the one running now (warned / overdue as
        the hourly sweep would have marked it)."""
        rng, f = self.rng, plan._fechas
        pasos = [(TipoPlazo.REVISION_CGII, f["presentado"], f["conforme"]),
                 (TipoPlazo.APROBACION_MAE, f["conforme"], f["aprobado"]),
                 (TipoPlazo.REGISTRO, f["aprobado"], f["vigente"])]
        if plan.estado == "observado":
            pasos = [(TipoPlazo.REVISION_CGII, f["presentado"], f["observado"]),
                     (TipoPlazo.AJUSTE_ENTIDAD, f["observado"], None)]
        for tipo, inicio, fin in pasos:
            if inicio is None:
                continue
            dias, vence, aviso = calcular_vencimiento(tipo, inicio)
            abierto = fin is None
            self.filas["plazo"].append(Plazo(
                plan=plan, tipo=tipo, responsable=RESPONSABLE_PLAZO[tipo], dias_habiles=dias,
                inicio=inicio, vence=vence, advertir_desde=aviso,
                cumplido_en=None if abierto else _momento(fin, rng),
                advertido_en=(_momento(aviso, rng) if (abierto and aviso <= self.hoy)
                              or (not abierto and aviso < fin) else None),
                vencido_en=(_momento(vence + timedelta(days=1), rng)
                            if (abierto and vence < self.hoy) or (not abierto and vence < fin)
                            else None)))
            if abierto:
                break

    # -- SoA and the follow-up -------------------------------------------------------------
    def soa(self, plan) -> list[Aplicabilidad]:
        rng = self.rng
        excluidos = set(rng.sample(range(len(self.controles)), rng.choice((0, 0, 1, 2, 3, 4))))
        plan._q = [rng.uniform(0.05, 0.85)]
        plan._q.append(min(0.98, plan._q[0] + rng.uniform(0.02, 0.2)))
        actual = plan._q[-1] if plan.estado == "vigente" else plan._q[0] * 0.6
        filas = []
        # Themes differ (technological controls lag, physical ones lead), and so does each
        # plan's strength per theme: the weakest-domain figures are not a tie.
        sesgo = {d: SESGO_DOMINIO.get(d, 0.0) + rng.uniform(-0.1, 0.1)
                 for d in {c.dominio.numero for c in self.controles}}
        for i, control in enumerate(self.controles):
            u = min(0.999, max(0.0, rng.random() + sesgo[control.dominio.numero]))
            decidido = plan.estado != "borrador" or rng.random() < 0.7
            aplica = (i not in excluidos) if decidido else None
            estado, madurez = _implementacion(u, actual) if aplica else ("no_iniciado", 0)
            fila = Aplicabilidad(
                plan=plan, control=control, aplica=aplica,
                justificacion=rng.choice(JUSTIFICACIONES) if aplica is False else "",
                estado_implementacion=estado, madurez=madurez,
                responsable=rng.choice(UNIDADES) if aplica else "",
                fecha_objetivo=(date(self.g, 12, 31) - timedelta(days=rng.randint(0, 200))
                                if aplica and estado != "implementado" else None),
                peso=rng.choices((1, 2, 3), (0.8, 0.15, 0.05))[0], actualizado=self.ahora)
            fila._u = u
            filas.append(fila)
        plan._soa = filas
        return filas

    def actividades(self, plan, rsi) -> None:
        rng, g = self.rng, self.g
        aplicables = [f for f in plan._soa if f.aplica]
        n = rng.randint(2, 4) if plan.estado == "borrador" else rng.randint(4, 8)
        for titulo in rng.sample(ACTIVIDADES, n):
            inicio = date(g, 1, 15) + timedelta(days=rng.randint(0, 240))
            fin = inicio + timedelta(days=rng.randint(20, 120))
            empezada = plan.estado == "vigente" and inicio <= self.hoy
            terminada = empezada and fin <= self.hoy and rng.random() < 0.7
            avance = 100 if terminada else rng.randint(5, 90) if empezada else 0
            act = Actividad(plan=plan, titulo=titulo, responsable=rng.choice(UNIDADES),
                            descripcion="Actividad del cronograma del PISI.",
                            inicio_planificado=inicio, fin_planificado=fin,
                            inicio_real=inicio + timedelta(days=rng.randint(0, 15))
                            if empezada else None,
                            fin_real=fin + timedelta(days=rng.randint(-10, 20))
                            if terminada else None,
                            avance=avance, creado=plan.creado, actualizado=self.ahora)
            act._controles = rng.sample(aplicables, min(len(aplicables), rng.randint(1, 4)))
            self.filas["actividad"].append(act)

    def riesgos(self, plan, rsi) -> None:
        """Assets and risk scenarios (the register of issue 23); levels from the matrix."""
        rng, m = self.rng, self.matriz
        borrador = plan.estado == "borrador"
        activos = []
        for k in range(rng.randint(0, 4) if borrador else rng.randint(4, 10)):
            activos.append(ActivoInformacion(
                plan=plan, codigo=f"A-{k + 1:02d}", nombre=rng.choice(NOMBRES_ACTIVO),
                tipo=rng.choice(TIPOS_ACTIVO), propietario=rng.choice(UNIDADES),
                ubicacion="Centro de datos" if rng.random() < 0.5 else "Oficinas centrales",
                clasificacion=rng.choice(("publica", "interna", "confidencial", "reservada")),
                valor_c=rng.randint(1, 5), valor_i=rng.randint(1, 5), valor_d=rng.randint(1, 5),
                creado=plan.creado, actualizado=self.ahora))
        self.filas["activo"] += activos
        if not activos or m is None:
            return
        aplicables = [f for f in plan._soa if f.aplica]
        actividades = [a for a in self.filas["actividad"] if a.plan is plan]
        for k in range(rng.randint(0, 6) if borrador else rng.randint(5, 15)):
            p, i = rng.randint(1, 5), rng.randint(1, 5)
            tratado = not borrador or rng.random() < 0.5
            tratamiento = (rng.choices(("mitigar", "transferir", "evitar", "aceptar"),
                                       (0.7, 0.1, 0.05, 0.15))[0] if tratado else "")
            if tratamiento == "mitigar" and not aplicables:
                tratamiento = "aceptar"
            if tratamiento == "aceptar":
                pr, ir = p, i
            elif tratamiento:
                pr, ir = max(1, p - rng.randint(0, 3)), max(1, i - rng.randint(0, 2))
            else:
                pr = ir = None
            nivel_r = riesgo_pisi.nivel(m, pr, ir) if pr else ""
            acepta = bool(nivel_r) and plan.estado not in ("borrador", "presentado") and \
                riesgo_pisi.requiere_aceptacion(m, tratamiento=tratamiento, nivel_residual=nivel_r)
            esc = EscenarioRiesgo(
                plan=plan, codigo=f"R-{k + 1:02d}", activo=rng.choice(activos),
                amenaza=rng.choice(self.amenazas),
                vulnerabilidad=rng.choice(self.vulnerabilidades) if rng.random() < 0.7 else None,
                descripcion="Escenario de riesgo del registro.", probabilidad=p, impacto=i,
                nivel=riesgo_pisi.nivel(m, p, i), tratamiento=tratamiento,
                detalle_tratamiento="Contrato con proveedor." if tratamiento == "transferir"
                else "", responsable=rng.choice(UNIDADES), probabilidad_residual=pr,
                impacto_residual=ir, nivel_residual=nivel_r,
                aceptado_por=rsi if acepta else None,
                aceptado_en=_momento(plan._fechas["presentado"] or plan._fechas["creado"], rng)
                if acepta else None, creado=plan.creado, actualizado=self.ahora)
            esc._controles = (rng.sample(aplicables, min(len(aplicables), rng.randint(1, 3)))
                              if tratamiento == "mitigar" else [])
            esc._actividades = ([rng.choice(actividades)] if actividades and tratamiento
                                and rng.random() < 0.4 else [])
            self.filas["escenario"].append(esc)

    def evidencias(self, plan, rsi, auditor) -> list[Evidencia]:
        rng = self.rng
        aplicables = [f for f in plan._soa if f.aplica]
        if not aplicables or plan._fechas["presentado"] is None:
            return []
        n = rng.randint(8, 25) if plan.estado == "vigente" else rng.randint(0, 4)
        desde = plan._fechas["vigente"] or plan._fechas["presentado"]
        dias = max(1, (self.hoy - desde).days - 2)
        salida = []
        for _ in range(n):
            fila = rng.choice(aplicables)
            creado = _momento(desde + timedelta(days=rng.randint(0, dias)), rng)
            estado = rng.choices(("aprobada", "en_revision", "rechazada", "borrador"),
                                 (0.75, 0.1, 0.1, 0.05))[0]
            revisado = (creado + timedelta(days=rng.uniform(1, 10))
                        if estado in ("aprobada", "rechazada") else None)
            if revisado is not None and revisado > self.ahora:
                revisado = self.ahora - timedelta(hours=1)
            ev = Evidencia(
                plan=plan, aplicabilidad=fila, tipo="enlace",
                titulo=f"Evidencia de {fila.control.numero}: acta y registros",
                url=f"https://intranet.{plan.entidad.sigla.lower()}.gob.bo/pisi/{fila.control.numero}",
                estado=estado, subido_por=rsi, creado=creado,
                revisado_por=auditor if revisado else None, revisado_en=revisado,
                motivo_rechazo="El enlace no muestra el registro solicitado."
                if estado == "rechazada" else "",
                fecha_vencimiento=date(self.g + 1, rng.randint(1, 12), 1)
                if estado == "aprobada" and rng.random() < 0.3 else None)
            salida.append(ev)
        self.filas["evidencia"] += salida
        return salida

    def seguimiento(self, plan, rsi, auditor, evidencias, incidentes) -> None:
        """Two closed periods with reviews, findings and the frozen snapshots."""
        rng, g = self.rng, self.g
        periodos = []
        cortes = (date(g, 6, 30), date(g, 10, 31))
        abierto = max(plan._fechas["vigente"] + timedelta(days=5), date(g, 5, 5))
        for k, corte in enumerate(cortes):
            presentado = corte + timedelta(days=rng.randint(1, 8))
            cerrado = presentado + timedelta(days=rng.randint(3, 15))
            p = PeriodoSeguimiento(
                plan=plan, nombre=f"Seguimiento al {corte:%d/%m/%Y}", fecha_corte=corte,
                estado="cerrado", abierto_por=auditor, creado=_momento(abierto, rng),
                presentado_en=_momento(presentado, rng), cerrado_en=_momento(cerrado, rng),
                cerrado_por=auditor)
            p._q = plan._q[k]
            periodos.append(p)
            abierto = cerrado + timedelta(days=rng.randint(1, 5))
        self.filas["periodo"] += periodos

        # Findings: on weak controls, during a period; some closed later, a few waiting
        # for the next period (from incidents, after the last closing).
        aplicables = [f for f in plan._soa if f.aplica]
        hallazgos = []
        for _ in range(rng.randint(1, 6)):
            k = rng.choice((0, 1))
            p = periodos[k]
            fila = max(rng.sample(aplicables, min(3, len(aplicables))), key=lambda f: f._u)
            creado = p.creado + (p.cerrado_en - p.creado) * rng.uniform(0.2, 0.9)
            cerrado = None
            if rng.random() < (0.6 if k == 0 else 0.2):
                cerrado = min(creado + timedelta(days=rng.uniform(10, 120)),
                              self.ahora - timedelta(hours=2))
            hallazgos.append(self._hallazgo(plan, p, fila, creado, cerrado, auditor))
        if incidentes and rng.random() < 0.5:
            inc_id, inc_codigo = rng.choice(incidentes)
            fila = rng.choice(aplicables)
            creado = periodos[-1].cerrado_en + (self.ahora - periodos[-1].cerrado_en) * 0.5
            h = self._hallazgo(plan, None, fila, creado, None, None)
            h.origen, h.incidente_id, h.incidente_codigo = "incidente", inc_id, inc_codigo
            h.descripcion = f"Del incidente {inc_codigo}: control {fila.control.numero}."
            hallazgos.append(h)
        self.filas["hallazgo"] += hallazgos

        for p in periodos:
            aprobadas = defaultdict(int)
            for ev in evidencias:
                if ev.estado == "aprobada" and ev.revisado_en <= p.cerrado_en:
                    aprobadas[id(ev.aplicabilidad)] += 1
            abiertos = defaultdict(int)
            for h in hallazgos:
                if h.creado <= p.cerrado_en and (h.cerrado_en is None
                                                 or h.cerrado_en > p.cerrado_en):
                    abiertos[id(h.aplicabilidad)] += 1
            for fila in plan._soa:
                self._revision_y_foto(p, fila, rsi, auditor, aprobadas[id(fila)],
                                      abiertos[id(fila)])

    def _hallazgo(self, plan, periodo, fila, creado, cerrado, auditor) -> Hallazgo:
        rng = self.rng
        return Hallazgo(
            plan=plan, periodo=periodo, aplicabilidad=fila, control_numero=fila.control.numero,
            grado=rng.choices([g for g, _ in GRADOS], [w for _, w in GRADOS])[0],
            descripcion=rng.choice(HALLAZGOS),
            causa_raiz="Falta de personal y de procedimiento." if rng.random() < 0.6 else "",
            accion_correctiva="Aprobar el procedimiento y capacitar al personal."
            if rng.random() < 0.6 else "",
            responsable=rng.choice(UNIDADES),
            fecha_compromiso=(creado + timedelta(days=rng.randint(30, 120))).date(),
            estado="cerrado" if cerrado else "abierto", origen="auditoria",
            registrado_por=auditor, creado=creado, cerrado_en=cerrado,
            cerrado_por=auditor if cerrado else None,
            comentario_cierre="Se verificó la acción correctiva." if cerrado else "")

    def _revision_y_foto(self, p, fila, rsi, auditor, aprobadas: int, abiertos: int) -> None:
        rng = self.rng
        control = fila.control
        if fila.aplica:
            estado, madurez = _implementacion(fila._u, p._q)
            resultado = RESULTADOS[_nivel(fila._u, p._q)]
        else:
            estado, madurez, resultado = "no_iniciado", 0, ""
        reportado = fila.aplica and rng.random() < 0.9
        self.filas["revision"].append(RevisionControl(
            periodo=p, aplicabilidad=fila,
            estado_reportado=estado if reportado else "",
            madurez_reportada=madurez if reportado else None,
            comentario_entidad="Avance según cronograma." if reportado and rng.random() < 0.3
            else "",
            reportado_por=rsi if reportado else None,
            reportado_en=p.creado + (p.presentado_en - p.creado) * rng.uniform(0.3, 0.95)
            if reportado else None,
            resultado=resultado,
            comentario_auditor="Evidencia insuficiente." if resultado in (
                "no_cumple", "cumple_parcialmente") and rng.random() < 0.5 else "",
            revisado_por=auditor if resultado else None,
            revisado_en=p.presentado_en + (p.cerrado_en - p.presentado_en) * rng.uniform(0.1, 0.9)
            if resultado else None))
        final = resultado or "no_aplica"
        puntaje = PUNTAJE.get(final)
        self.filas["snapshot"].append(SnapshotControl(
            periodo=p, control_numero=control.numero, control_titulo=control.titulo,
            dominio_numero=control.dominio.numero, dominio_titulo=control.dominio.titulo,
            orden=control.orden, aplica=fila.aplica, estado_implementacion=estado,
            madurez=madurez, resultado=final,
            puntaje=None if puntaje is None else Decimal(str(puntaje)), peso=fila.peso,
            evidencias_aprobadas=aprobadas, evidencia_presente=aprobadas > 0,
            hallazgos_abiertos=abiertos, creado=p.cerrado_en))


def _incidentes_cerrados() -> dict[int, list[tuple[int, str]]]:
    """A few closed incidents per entity, for findings "from an incident"."""
    from incidentes.models import Incidente

    salida: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, codigo, entidad_id in (Incidente.objects.filter(estado="cerrado")
                                   .order_by("-pk").values_list("pk", "codigo", "entidad_id")[:3000]):
        if len(salida[entidad_id]) < 20:
            salida[entidad_id].append((pk, codigo))
    return salida


def _estados(entidades: int) -> dict[str, int]:
    """ESTADOS for 500 entities, scaled down for a smaller seed (the tests seed a few dozen)."""
    if entidades >= ENTIDADES:
        return ESTADOS
    return {estado: max(1, round(n * entidades / ENTIDADES)) if entidades >= 2 * len(ESTADOS)
            else 0 for estado, n in ESTADOS.items()}


def sembrar(*, hoy: date | None = None, semilla: int = 2514, entidades: int = ENTIDADES,
            progreso=print) -> dict:
    """Seed everything above in one transaction for ``entidades`` entities (500: the
    benchmark's size); returns the row counts."""
    hoy = hoy or timezone.localdate()
    gestion = gestion_de(hoy)
    catalogo = cargar_catalogo()
    if catalogo is None:
        raise SystemExit(f"The {CATALOGO} control catalog is missing (planes_seguridad/catalogos).")
    with transaction.atomic():
        gen = _Generador(hoy=hoy, gestion=gestion, catalogo=catalogo, semilla=semilla)
        rng = gen.rng
        entidades = _entidades(rng, entidades)
        rsi, auditor = _personas(entidades)
        estados = [e for e, n in _estados(len(entidades)).items() for _ in range(n)]
        estados += ["vigente"] * (len(entidades) - len(estados))
        rng.shuffle(estados)
        incidentes = _incidentes_cerrados()

        planes = [gen.plan(e, estado, rsi[e.pk], auditor)
                  for e, estado in zip(entidades, estados, strict=True)]
        reservar_ids(PlanInstitucional, planes)
        copiar(PlanInstitucional, planes, con_id=True)
        soa = []
        for plan in planes:
            gen.plazos(plan)
            soa += gen.soa(plan)
        reservar_ids(Aplicabilidad, soa)
        copiar(Aplicabilidad, soa, con_id=True)
        progreso(f"  {len(planes):,} plans, {len(soa):,} SoA rows")

        for plan in planes:
            r = rsi[plan.entidad_id]
            gen.actividades(plan, r)
            gen.riesgos(plan, r)
            evidencias = gen.evidencias(plan, r, auditor)
            if plan.estado == "vigente":
                gen.seguimiento(plan, r, auditor, evidencias,
                                incidentes.get(plan.entidad_id, []))
        f = gen.filas
        reservar_ids(Actividad, f["actividad"])
        copiar(Actividad, f["actividad"], con_id=True)
        enlaces = [Actividad.controles.through(actividad_id=a.pk, aplicabilidad_id=c.pk)
                   for a in f["actividad"] for c in a._controles]
        copiar(Actividad.controles.through, enlaces)
        reservar_ids(ActivoInformacion, f["activo"])
        copiar(ActivoInformacion, f["activo"], con_id=True)
        reservar_ids(EscenarioRiesgo, f["escenario"])
        copiar(EscenarioRiesgo, f["escenario"], con_id=True)
        copiar(EscenarioRiesgo.controles.through, [
            EscenarioRiesgo.controles.through(escenarioriesgo_id=e.pk, aplicabilidad_id=c.pk)
            for e in f["escenario"] for c in e._controles])
        copiar(EscenarioRiesgo.actividades.through, [
            EscenarioRiesgo.actividades.through(escenarioriesgo_id=e.pk, actividad_id=a.pk)
            for e in f["escenario"] for a in e._actividades])
        copiar(Evidencia, f["evidencia"])
        copiar(Plazo, f["plazo"])
        reservar_ids(PeriodoSeguimiento, f["periodo"])
        copiar(PeriodoSeguimiento, f["periodo"], con_id=True)
        copiar(Hallazgo, f["hallazgo"])
        copiar(RevisionControl, f["revision"])
        copiar(SnapshotControl, f["snapshot"])
    cuentas = {
        "version": VERSION, "gestion": gestion, "entidades": len(entidades), "planes": len(planes),
        "planes_vigentes": sum(p.estado == "vigente" for p in planes),
        "aplicabilidad": len(soa), "actividades": len(f["actividad"]),
        "evidencias": len(f["evidencia"]), "hallazgos": len(f["hallazgo"]),
        "plazos": len(f["plazo"]), "periodos": len(f["periodo"]),
        "revisiones": len(f["revision"]), "snapshots": len(f["snapshot"]),
        "activos": len(f["activo"]), "escenarios": len(f["escenario"]),
    }
    progreso(f"  {cuentas['periodos']:,} closed periods, {cuentas['revisiones']:,} reviews, "
             f"{cuentas['snapshots']:,} snapshot rows, {cuentas['evidencias']:,} evidence, "
             f"{cuentas['hallazgos']:,} findings, {cuentas['activos']:,} assets, "
             f"{cuentas['escenarios']:,} risk scenarios")
    return cuentas
