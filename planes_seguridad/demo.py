"""Demo PISI plans for ``cargar_demo``, made through the services (history, audit, deadlines
and events are real), in different states so that every page and report has data:

- MEFP: in force, with two CLOSED follow-up periods that show improvement (the trend) and
  an open third one with reported progress, evidence, findings (one from an incident);
- GAMLP: en revisión after one round of observations (its review deadline about to expire);
- ENDE: observado, its adjustment deadline already overdue.

Idempotent per entity: an entity that already has a plan is left alone.
"""

import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from . import pdf, selectors, services
from .models import PlanInstitucional, Plazo
from .services.plazos import advertir_desde, calcular_vencimiento

CATALOGO = "iso27002-2013"

ALCANCE = {
    "MEFP": ("Procesos de gestión presupuestaria, tesorería y crédito público; sistemas SIGEP, "
             "SIGMA y portal de trámites; centro de datos de la calle Ayacucho y sitio alterno "
             "de El Alto; todas las unidades organizacionales del Ministerio."),
    "GAMLP": ("Servicios municipales en línea (recaudaciones, catastro, licencias de "
              "funcionamiento), red de las 9 subalcaldías y el centro de datos del edificio "
              "Armando Escobar Uría."),
    "ENDE": ("Sistemas corporativos (ERP, facturación, portal de clientes) y la red "
             "administrativa; la red operativa SCADA queda fuera del alcance de esta versión y "
             "se incorporará en la siguiente gestión."),
}
COMITE = {
    "MEFP": [{"nombre": "Elena Vargas", "cargo": "Viceministra de Presupuesto y Contabilidad Fiscal",
              "rol": "presidente", "unidad": "VPCF"},
             {"nombre": "Marco Choque", "cargo": "Responsable de Seguridad de la Información",
              "rol": "secretario", "unidad": "DGSI"},
             {"nombre": "Gabriela Nina", "cargo": "Directora General de Asuntos Administrativos",
              "rol": "miembro", "unidad": "DGAA"},
             {"nombre": "Rodrigo Alanoca", "cargo": "Director General de Asuntos Jurídicos",
              "rol": "miembro", "unidad": "DGAJ"}],
    "GAMLP": [{"nombre": "Jorge Rojas", "cargo": "Secretario Municipal de Gestión Integral",
               "rol": "presidente", "unidad": "SMGI"},
              {"nombre": "Carla Flores", "cargo": "Responsable de Seguridad de la Información",
               "rol": "secretario", "unidad": "DGTIC"},
              {"nombre": "Vania Callisaya", "cargo": "Directora de Recursos Humanos",
               "rol": "miembro", "unidad": "DRRHH"}],
    "ENDE": [{"nombre": "Ana Gutiérrez", "cargo": "Responsable de Seguridad de la Información",
              "rol": "secretario", "unidad": "Gerencia TIC"},
             {"nombre": "Hugo Terrazas", "cargo": "Gerente de Tecnologías de la Información",
              "rol": "presidente", "unidad": "Gerencia TIC"}],
}
# The asset inventory and the risk register, as records (issue 23).
ACTIVOS = [
    {"codigo": "A-01", "nombre": "Sistema de gestión presupuestaria", "tipo": "software",
     "propietario": "Dirección de Presupuesto", "ubicacion": "Centro de datos principal",
     "clasificacion": "confidencial", "valor_c": 4, "valor_i": 5, "valor_d": 5},
    {"codigo": "A-02", "nombre": "Base de datos de contribuyentes y beneficiarios",
     "tipo": "informacion", "propietario": "Dirección de Sistemas",
     "ubicacion": "Centro de datos principal", "clasificacion": "reservada", "valor_c": 5,
     "valor_i": 5, "valor_d": 4},
    {"codigo": "A-03", "nombre": "Correo institucional", "tipo": "servicio",
     "propietario": "Dirección de Sistemas", "ubicacion": "Nube del Estado (AGETIC)",
     "clasificacion": "interna", "valor_c": 3, "valor_i": 3, "valor_d": 4},
    {"codigo": "A-04", "nombre": "Portal de trámites", "tipo": "servicio",
     "propietario": "Comunicación", "ubicacion": "DMZ", "clasificacion": "publica",
     "valor_c": 2, "valor_i": 4, "valor_d": 4},
    {"codigo": "A-05", "nombre": "Copias de respaldo", "tipo": "soporte",
     "propietario": "Dirección de Sistemas", "ubicacion": "Sitio alterno",
     "clasificacion": "confidencial", "valor_c": 4, "valor_i": 4, "valor_d": 5},
    {"codigo": "A-06", "nombre": "Equipos de usuario", "tipo": "hardware",
     "propietario": "Administración", "ubicacion": "Oficinas", "clasificacion": "interna",
     "valor_c": 2, "valor_i": 2, "valor_d": 3},
]
# (fields, the MAE accepts its residual risk). Threats by MAGERIT code.
RIESGOS = [
    ({"codigo": "R-01", "activo": "A-01", "amenaza": "A.8", "vulnerabilidad": "V.TEC.1",
      "descripcion": "Cifrado de los servidores por ransomware.", "probabilidad": 4,
      "impacto": 5, "tratamiento": "mitigar", "controles": ["12.2.1", "12.3.1", "12.6.1"],
      "responsable": "Dirección de Sistemas", "probabilidad_residual": 2,
      "impacto_residual": 4}, False),
    ({"codigo": "R-02", "activo": "A-03", "amenaza": "A.30", "vulnerabilidad": "V.PER.1",
      "descripcion": "Robo de credenciales por phishing.", "probabilidad": 4, "impacto": 4,
      "tratamiento": "mitigar", "controles": ["7.2.2", "9.4.2"], "responsable": "RSI",
      "probabilidad_residual": 2, "impacto_residual": 3}, False),
    ({"codigo": "R-03", "activo": "A-04", "amenaza": "A.15", "vulnerabilidad": "V.TEC.8",
      "descripcion": "Desfiguración del portal.", "probabilidad": 3, "impacto": 3,
      "tratamiento": "mitigar", "controles": ["14.1.2", "12.6.1"],
      "responsable": "Comunicación", "probabilidad_residual": 2, "impacto_residual": 2}, False),
    ({"codigo": "R-04", "activo": "A-05", "amenaza": "I.6", "vulnerabilidad": "V.FIS.2",
      "descripcion": "Interrupción prolongada del centro de datos.", "probabilidad": 3,
      "impacto": 5, "tratamiento": "transferir", "controles": ["11.2.2", "17.2.1"],
      "detalle_tratamiento": "Sitio alterno contratado con otra entidad pública.",
      "probabilidad_residual": 3, "impacto_residual": 4}, True),
    ({"codigo": "R-05", "activo": "A-06", "amenaza": "E.25",
      "descripcion": "Pérdida de equipos portátiles.", "probabilidad": 3, "impacto": 2,
      "tratamiento": "aceptar",
      "detalle_tratamiento": "Equipos sin información local; reposición por inventario."}, True),
]
NO_APLICAN = {
    "MEFP": {"11.1.6": "El Ministerio no tiene áreas de carga y descarga vinculadas a las "
                       "instalaciones de procesamiento de información.",
             "14.2.7": "El desarrollo de software se realiza íntegramente en la Dirección "
                       "General de Sistemas; no se terceriza."},
    "GAMLP": {"11.1.6": "Las áreas de carga del almacén municipal están separadas del centro "
                        "de datos."},
    "ENDE": {"14.2.7": "Sin desarrollo externalizado en el alcance de esta versión."},
}
RESPONSABLES = {
    "5": "Comité de Seguridad", "6": "RSI", "7": "Recursos Humanos", "8": "Administración",
    "9": "Dirección de Sistemas", "10": "Dirección de Sistemas", "11": "Administración",
    "12": "Dirección de Sistemas", "13": "Redes y Comunicaciones", "14": "Desarrollo",
    "15": "Adquisiciones", "16": "RSI", "17": "Dirección de Sistemas", "18": "Asesoría Jurídica",
}
# Why each domain's controls are included (every SoA line is justified, ISO/IEC 27001 6.1.3 d).
JUSTIFICACION_DOMINIO = {
    "5": "Requisito de los lineamientos: política aprobada por la MAE.",
    "7": "Riesgo de fuga de información por personal sin acuerdos de confidencialidad.",
    "8": "Inventario y clasificación requeridos por la evaluación de riesgos.",
    "9": "Riesgo de acceso no autorizado a los sistemas institucionales.",
    "12": "Riesgo de ransomware y pérdida de datos en los servidores.",
    "16": "Obligación de reportar incidentes al CGII (DS 2514).",
    "17": "Continuidad de los servicios en línea a la ciudadanía.",
    "18": "Cumplimiento de la normativa de protección de datos y de TIC.",
}
ACTIVIDADES = [
    # (title, owner, start (months after 1 February), duration in months, controls,
    #  progress at conformity and after each follow-up period)
    ("Aprobar y difundir la política de seguridad", "Comité de Seguridad", 0, 3,
     ["5.1.1", "5.1.2"], (100, 100, 100, 100)),
    ("Inventario y clasificación de activos de información", "Administración", 1, 5,
     ["8.1.1", "8.1.2", "8.2.1"], (40, 70, 100, 100)),
    ("Campaña de concientización contra el phishing", "Recursos Humanos", 2, 14,
     ["7.2.2", "16.1.2"], (10, 30, 55, 65)),
    ("Respaldo cifrado y pruebas de restauración trimestrales", "Dirección de Sistemas", 1, 10,
     ["12.3.1", "10.1.1"], (20, 40, 80, 90)),
    ("Gestión de parches y escaneo de vulnerabilidades", "Dirección de Sistemas", 3, 12,
     ["12.6.1", "12.2.1"], (0, 20, 50, 60)),
    ("Segmentación de la red administrativa y la DMZ", "Redes y Comunicaciones", 4, 15,
     ["13.1.1", "13.1.3"], (0, 0, 30, 40)),
    ("Plan de continuidad y simulacro", "Dirección de Sistemas", 6, 16,
     ["17.1.1", "17.1.2", "17.1.3"], (0, 0, 10, 20)),
]


def _pdf_demo(titulo: str, entidad: str) -> SimpleUploadedFile:
    """A small real PDF (a demo document that opens in any viewer)."""
    from weasyprint import HTML

    html = (f"<html><body style='font-family: sans-serif'><h1>{titulo}</h1>"
            f"<p>{entidad}</p><p>Documento de demostración generado por la plataforma "
            "del CGII.</p></body></html>")
    return SimpleUploadedFile(f"{titulo.lower().replace(' ', '_')[:40]}.pdf",
                              HTML(string=html).write_pdf(), content_type="application/pdf")


def _estado_inicial(rng: random.Random, dominio: str) -> tuple[str, int]:
    """Realistic starting point: policies and HR ahead, continuity and development behind."""
    adelante = {"5": 0.6, "6": 0.4, "7": 0.35, "8": 0.25, "9": 0.3, "11": 0.35, "12": 0.25,
                "13": 0.2, "16": 0.2}.get(dominio, 0.1)
    x = rng.random()
    if x < adelante:
        return "implementado", rng.choice((3, 3, 4))
    if x < adelante + 0.3:
        return "en_proceso", rng.choice((1, 2, 2))
    return "no_iniciado", rng.choice((0, 0, 1))


def _crear_plan(sigla: str, usuarios, entidades, *, gestion: int, rng: random.Random,
                inventario: bool = True) -> PlanInstitucional:
    rsi = usuarios[f"rsi.{sigla.lower()}"]
    entidad = entidades[sigla]
    plan = services.plan_crear(actor=rsi, entidad_id=entidad.pk, gestion=gestion,
                               catalogo=CATALOGO)
    services.plan_actualizar(
        actor=rsi, plan_id=plan.pk, alcance=ALCANCE[sigla], rsi_id=rsi.pk, comite=COMITE[sigla],
        politica_aprobada_en=date(gestion, 1, 20).isoformat())
    services.plan_documento_subir(
        actor=rsi, plan_id=plan.pk, tipo="politica",
        archivo=_pdf_demo("Política de seguridad de la información", entidad.nombre))
    cambios = []
    for fila in plan.soa.select_related("control", "control__dominio"):
        numero, dominio = fila.control.numero, fila.control.dominio.numero
        if numero in NO_APLICAN[sigla]:
            cambios.append({"id": fila.pk, "aplica": False,
                            "justificacion": NO_APLICAN[sigla][numero]})
            continue
        estado, madurez = _estado_inicial(rng, dominio)
        cambios.append({"id": fila.pk, "aplica": True, "estado_implementacion": estado,
                        "justificacion": JUSTIFICACION_DOMINIO.get(
                            dominio, "Riesgo identificado en la evaluación de riesgos."),
                        "madurez": madurez, "responsable": RESPONSABLES.get(dominio, "RSI"),
                        "fecha_objetivo": date(gestion, rng.choice((6, 9, 12)), 30
                                               if rng.random() < 0.5 else 15).isoformat()})
    services.soa_actualizar_lote(actor=rsi, plan_id=plan.pk, cambios=cambios)
    _riesgos(plan, rsi, usuarios.get(f"mae.{sigla.lower()}"), completo=inventario)
    return plan


def _riesgos(plan, rsi, mae, *, completo: bool = True) -> None:
    """The inventory and the register (after the SoA: mitigation links applicable controls);
    the MAE accepts what the matrix asks it to (no MAE user: nothing is accepted)."""
    existentes = set(plan.activos.values_list("codigo", flat=True))
    for activo in ACTIVOS if completo else ACTIVOS[:2]:
        if activo["codigo"] not in existentes:
            services.activo_crear(actor=rsi, plan_id=plan.pk, **activo)
    existentes = set(plan.riesgos.values_list("codigo", flat=True))
    aceptar = []
    for campos, por_la_mae in RIESGOS if completo else RIESGOS[:1]:
        if campos["codigo"] in existentes:
            continue
        esc = services.riesgo_crear(actor=rsi, plan_id=plan.pk, **campos)
        if por_la_mae:
            aceptar.append(esc.pk)
    if aceptar and mae is not None:
        services.riesgos_aceptar(actor=mae, plan_id=plan.pk, riesgo_ids=aceptar,
                                 comentario="Riesgo residual aceptado por la MAE.")


def _mes(gestion: int, meses: int, dia: int = 1) -> date:
    """``meses`` months after 1 February of ``gestion`` (day ``dia``, 28 at most)."""
    indice = 1 + meses  # February = 1 (zero-based month)
    return date(gestion + indice // 12, indice % 12 + 1, min(dia, 28))


def _actividades(plan, rsi, gestion: int, avance_indice: int | None) -> list:
    creadas = []
    for titulo, responsable, desde, meses, controles, avances in ACTIVIDADES:
        act = services.actividad_crear(
            actor=rsi, plan_id=plan.pk, titulo=titulo, responsable=responsable,
            inicio_planificado=_mes(gestion, desde).isoformat(),
            fin_planificado=_mes(gestion, desde + meses, 28).isoformat(), controles=controles)
        creadas.append((act, avances))
        if avance_indice is not None:
            _avanzar(plan, rsi, act, avances[avance_indice])
    return creadas


def _avanzar(plan, rsi, act, avance: int) -> None:
    if avance == 0 or avance == act.avance:
        return
    hoy = timezone.localdate()
    campos = {"avance": avance, "inicio_real": min(act.inicio_planificado + timedelta(days=4),
                                                   hoy).isoformat()}
    if avance == 100:
        campos["fin_real"] = min(act.fin_planificado, hoy).isoformat()
    services.actividad_actualizar(actor=rsi, plan_id=plan.pk, actividad_id=act.pk,
                                  **campos)


def _resultado(fila) -> str:
    return {"implementado": "cumple", "en_proceso": "cumple_parcialmente"}.get(
        fila.estado_implementacion, "no_cumple")


def _seguimiento(plan, rsi, auditor, *, nombre: str, corte: date, mejoras: int,
                 rng: random.Random, cerrar: bool, hallazgos: list[tuple]) -> None:
    """One follow-up period: the entity reports progress on ``mejoras`` controls (each one
    step forward, with a link as evidence for some), the auditor reviews every applicable
    control, records findings and, if ``cerrar``, closes it (the snapshot freezes)."""
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk, fecha_corte=corte,
                                     nombre=nombre)
    atrasadas = list(plan.soa.filter(aplica=True).exclude(estado_implementacion="implementado")
                     .select_related("control").order_by("control__orden"))
    rng.shuffle(atrasadas)
    for fila in atrasadas[:mejoras]:
        siguiente = "implementado" if fila.estado_implementacion == "en_proceso" else "en_proceso"
        madurez = min(5, fila.madurez + (2 if siguiente == "implementado" else 1))
        services.avance_reportar(
            actor=rsi, plan_id=plan.pk, periodo_id=periodo.pk, fila_id=fila.pk,
            estado_implementacion=siguiente, madurez=madurez,
            comentario=("Control implementado y documentado." if siguiente == "implementado"
                        else "Procedimiento en elaboración; se aplica parcialmente."))
        if siguiente == "implementado" and rng.random() < 0.5:
            numero = fila.control.numero
            ev = services.evidencia_enlazar(
                actor=rsi, plan_id=plan.pk, control=numero,
                url=f"https://intranet.{plan.entidad.sigla.lower()}.gob.bo/sgsi/{numero}",
                titulo=f"Registro del control {numero} ({nombre})")
            services.evidencia_cambiar_estado(actor=rsi, plan_id=plan.pk, evidencia_id=ev.pk,
                                              accion="presentar")
            services.evidencia_cambiar_estado(actor=auditor, plan_id=plan.pk,
                                              evidencia_id=ev.pk, accion="aprobar")
    for grado, control, descripcion, accion, dias in hallazgos:
        services.hallazgo_registrar(
            actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk, grado=grado,
            control=control, descripcion=descripcion, accion_correctiva=accion,
            responsable=RESPONSABLES.get(control.split(".")[0], "RSI"),
            fecha_compromiso=(corte + timedelta(days=dias)).isoformat())
    if not cerrar:
        return
    services.periodo_transicionar(actor=rsi, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="presentar")
    aplicables = plan.soa.filter(aplica=True).select_related("control")
    services.controles_revisar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                               revisiones=[{"id": f.pk, "resultado": _resultado(f)}
                                           for f in aplicables])
    services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="cerrar",
                                  comentario=f"Cierre del {nombre.lower()}.")


def _hallazgo_de_incidente(plan, auditor) -> None:
    """A finding "from incident CGII-…" through the same sink an incident closure feeds:
    the MEFP ransomware demo incident names the backup control that failed."""
    from types import SimpleNamespace

    from incidentes import selectors as incidentes

    caso = incidentes.incidentes_lista(usuario=auditor, filtros=incidentes.Filtros(
        texto="archivos cifrados")).filter(entidad_id=plan.entidad_id).first()
    if caso is None:
        return
    evento = SimpleNamespace(entidad_id=plan.entidad_id, datos={
        "incidente": {"id": caso.pk, "codigo": caso.codigo, "entidad_id": plan.entidad_id,
                      "titulo": caso.titulo},
        "controles": ["12.3.1", "12.2.1"]})
    services.hallazgos_de_incidente(evento)


def _correr_plazo(plan, *, dias_restantes: int) -> None:
    """Demo only: move the plan's running deadline back in time so that the lists show a
    deadline about to expire (positive) or overdue (negative), as real use would."""
    from protocolos.selectors import calendario

    cal = calendario("laboral")
    plazo = Plazo.objects.filter(plan=plan, cumplido_en__isnull=True).first()
    if plazo is None:
        return
    hoy = timezone.localdate()
    inicio = hoy
    for _i in range(120):
        inicio -= timedelta(days=1)
        _d, vence, _a = calcular_vencimiento(plazo.tipo, inicio)
        restantes = (cal.dias_habiles_entre(hoy, vence) if vence >= hoy
                     else -cal.dias_habiles_entre(vence, hoy))
        if restantes <= dias_restantes:
            break
    dias, vence, aviso = calcular_vencimiento(plazo.tipo, inicio)
    Plazo.objects.filter(pk=plazo.pk).update(
        inicio=inicio, vence=vence, advertir_desde=advertir_desde(
            cal, inicio=inicio, vence=vence,
            dias_advertencia=selectors.parametros_plazo()[plazo.tipo][1]))
    momento = timezone.make_aware(datetime.combine(inicio, time(10, 0)))
    if plan.estado in ("presentado", "en_revision"):
        PlanInstitucional.objects.filter(pk=plan.pk).update(presentado_en=momento)


def _aprobar_documento(plan, rsi):
    """With Aprobación de Documentos configured (make run: the simulator), the demo plan's
    RSI approved the summary: the request as sent, and the service's answer recorded by the
    same service that records real ones (no HTTP: the server is not running yet)."""
    import hashlib

    from cgii import archivos
    from cgii.ciudadania.aprobacion import Resultado

    from .models import AprobacionDocumento, EstadoAprobacion
    from .services.aprobacion import aprobacion_registrar_resultado

    ruta = pdf.asegurar_resumen(plan)
    sha = hashlib.sha256(archivos.ruta_absoluta(ruta).read_bytes()).hexdigest()
    a = AprobacionDocumento.objects.create(
        plan=plan, solicitado_por=rsi, documento_ruta=ruta, sha256=sha,
        documento_identidad=rsi.documento_identidad or "", estado=EstadoAprobacion.ENVIADA,
        solicitud_id="demo", enviado_en=timezone.now(), intentos=1)
    return aprobacion_registrar_resultado(aprobacion_id=a.pk, resultado=Resultado(
        estado="aprobado", codigo=f"AD-DEMO{plan.pk:05d}", sha256=sha,
        aprobado_por=rsi.get_full_name(), documento_identidad=rsi.documento_identidad or "",
        aprobado_en=timezone.now()))


def _mefp(usuarios, entidades, gestion: int) -> None:
    rng = random.Random(2514)
    rsi, mae, auditor = usuarios["rsi.mefp"], usuarios["mae.mefp"], usuarios["auditor"]
    plan = _crear_plan("MEFP", usuarios, entidades, gestion=gestion, rng=rng)
    actividades = _actividades(plan, rsi, gestion, avance_indice=0)
    for transicion, actor in (("presentar", rsi), ("iniciar_revision", auditor),
                              ("dar_conformidad", auditor)):
        plan = services.plan_transicionar(actor=actor, plan_id=plan.pk, transicion=transicion)
    # The summary as it was at conformity (the outbox sink, delivered later, keeps it).
    pdf.asegurar_resumen(plan)
    services.plan_documento_subir(actor=mae, plan_id=plan.pk, tipo="resolucion",
                                  archivo=_pdf_demo("Resolución Ministerial de aprobación del "
                                                    "PISI", entidades["MEFP"].nombre))
    hoy = timezone.localdate()
    datos = {"resolucion_cite": f"RM-{hoy:%j}/{gestion}", "resolucion_fecha": hoy.isoformat()}
    if plan.aprobacion_exigida():
        datos["resolucion_codigo_aprobacion"] = _aprobar_documento(plan, rsi).codigo
    services.plan_transicionar(actor=mae, plan_id=plan.pk, transicion="registrar_resolucion",
                               datos=datos)
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="poner_en_vigencia",
                               datos={"vigencia_desde": date(gestion, 2, 1).isoformat(),
                                      "vigencia_hasta": date(gestion + 2, 1, 31).isoformat()})
    periodos = [
        (f"Primer seguimiento semestral {gestion}", date(gestion, 6, 30), 18, [
            ("no_conformidad_mayor", "12.3.1", "No existen pruebas de restauración de las "
             "copias de respaldo del sistema presupuestario.",
             "Pruebas trimestrales de restauración con acta firmada.", 90),
            ("observacion", "7.2.2", "La capacitación en seguridad no alcanzó al personal "
             "eventual.", "Incluir al personal eventual en la campaña anual.", 120)]),
        (f"Seguimiento al tercer trimestre {gestion}", date(gestion, 9, 30), 24, [
            ("no_conformidad_menor", "12.6.1", "Servidores con parches críticos pendientes "
             "por más de 60 días.", "Ventana mensual de parches y reporte al RSI.", 60)]),
    ]
    for i, (nombre, corte, mejoras, hallazgos) in enumerate(periodos, start=1):
        for act, avances in actividades:
            _avanzar(plan, rsi, plan.actividades.get(pk=act.pk), avances[i])
        _seguimiento(plan, rsi, auditor, nombre=nombre, corte=corte, mejoras=mejoras, rng=rng,
                     cerrar=True, hallazgos=hallazgos)
    # The first findings were dealt with.
    for h in plan.hallazgos.filter(grado="observacion"):
        services.hallazgo_cerrar(actor=auditor, plan_id=plan.pk, hallazgo_id=h.pk,
                                 comentario="Capacitación del personal eventual verificada.")
    for act, avances in actividades:
        _avanzar(plan, rsi, plan.actividades.get(pk=act.pk), avances[3])
    _seguimiento(plan, rsi, auditor, nombre=f"Seguimiento anual {gestion}",
                 corte=date(gestion, 12, 31), mejoras=6, rng=rng, cerrar=False, hallazgos=[])
    _hallazgo_de_incidente(plan, auditor)
    h = plan.hallazgos.filter(grado="no_conformidad_mayor").first()
    if h is not None:
        services.hallazgo_actualizar(
            actor=rsi, plan_id=plan.pk, hallazgo_id=h.pk,
            causa_raiz="No había un procedimiento ni responsable de las pruebas de restauración.",
            accion_correctiva="Procedimiento PR-DGSI-07 aprobado; pruebas trimestrales.")


def _gamlp(usuarios, entidades, gestion: int) -> None:
    rng = random.Random(2015)
    rsi, auditor = usuarios["rsi.gamlp"], usuarios["auditor"]
    plan = _crear_plan("GAMLP", usuarios, entidades, gestion=gestion, rng=rng, inventario=False)
    _actividades(plan, rsi, gestion, avance_indice=0)
    services.plan_transicionar(actor=rsi, plan_id=plan.pk, transicion="presentar")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    # Round 1: observations per section and per control, answered by the entity, which
    # completes its inventory and risks; round 2 is open (the diff shows what changed).
    observaciones = [
        services.observacion_registrar(
            actor=auditor, plan_id=plan.pk, seccion="activos",
            texto="El inventario no incluye el sistema de recaudaciones ni el de catastro, que "
                  "están en el alcance."),
        services.observacion_registrar(
            actor=auditor, plan_id=plan.pk, seccion="riesgos",
            texto="La evaluación de riesgos debe cubrir los servicios en línea."),
        services.observacion_registrar(
            actor=auditor, plan_id=plan.pk, seccion="soa", control="12.3.1",
            texto="La justificación no menciona pruebas de restauración de las copias."),
    ]
    services.plan_transicionar(
        actor=auditor, plan_id=plan.pk, transicion="observar", datos={"observaciones": (
            "Complete el inventario y la evaluación de riesgos; vea las observaciones por "
            "sección y por control.")})
    _riesgos(plan, rsi, usuarios.get("mae.gamlp"))
    services.soa_actualizar(actor=rsi, plan_id=plan.pk, control="12.3.1",
                            justificacion="Copias diarias con prueba de restauración trimestral "
                                          "(procedimiento PR-TIC-04).")
    for obs, respuesta in zip(observaciones, (
            "Se agregaron los activos A-03 a A-06 (portal, correo, respaldos, equipos).",
            "Se agregaron los riesgos R-02 a R-05, con el portal de trámites en línea.",
            "Justificación actualizada: prueba de restauración trimestral."), strict=True):
        services.observacion_responder(actor=rsi, plan_id=plan.pk, observacion_id=obs.pk,
                                       respuesta=respuesta)
    services.plan_transicionar(actor=rsi, plan_id=plan.pk, transicion="presentar",
                               comentario="Se completaron el inventario y los riesgos.")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    services.observacion_atender(actor=auditor, plan_id=plan.pk,
                                 observacion_id=observaciones[0].pk, atendida=True)
    _correr_plazo(plan, dias_restantes=2)


def _ende(usuarios, entidades, gestion: int) -> None:
    rng = random.Random(1962)
    rsi, auditor = usuarios["rsi.ende"], usuarios["auditor"]
    plan = _crear_plan("ENDE", usuarios, entidades, gestion=gestion, rng=rng)
    _actividades(plan, rsi, gestion, avance_indice=None)
    services.plan_transicionar(actor=rsi, plan_id=plan.pk, transicion="presentar")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    for control in ("13.1.1", "13.1.3"):
        services.observacion_registrar(
            actor=auditor, plan_id=plan.pk, seccion="soa", control=control,
            texto="Incluya la interconexión entre la red administrativa y la operativa.")
    services.plan_transicionar(
        actor=auditor, plan_id=plan.pk, transicion="observar", datos={"observaciones": (
            "El alcance excluye la red operativa SCADA sin un análisis de riesgos que lo "
            "justifique; incorpore al menos la interconexión entre la red administrativa y la "
            "operativa (controles 13.1.1 y 13.1.3).")})
    _correr_plazo(plan, dias_restantes=-2)


def cargar_demo(contexto) -> list[str]:
    if selectors.catalogo_vigente(CATALOGO) is None:
        return ["PISI: sin catálogos de controles (ejecute cargar_catalogos); no se crearon "
                "planes"]
    usuarios, entidades = contexto["usuarios"], contexto["entidades"]
    gestion = timezone.localdate().year
    hechos = []
    for sigla, funcion, texto in (("MEFP", _mefp, "vigente con dos seguimientos cerrados"),
                                  ("GAMLP", _gamlp, "en revisión (plazo por vencer)"),
                                  ("ENDE", _ende, "observado (plazo vencido)")):
        if sigla not in entidades or PlanInstitucional.objects.filter(
                entidad=entidades[sigla]).exists():
            continue
        with transaction.atomic():
            funcion(usuarios, entidades, gestion)
        hechos.append(f"PISI {sigla} {gestion}: {texto}")
    if hechos:
        # Warned and overdue deadlines are marked as the periodic sweep would.
        services.plazos_barrido()
    return hechos
