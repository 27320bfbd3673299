"""Report, classify, assign and move incidents through their protocol states."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cgii import archivos, fsm
from cgii.entidades.models import Entidad
from cgii.entidades.selectors import (
    es_personal_cgii,
    ids_entidades_de,
    tiene_rol_cgii,
)
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado, TransicionInvalida
from cgii.eventos.services import evento_emitir
from protocolos import selectors as protocolos

from .. import duplicados, sla
from ..models import TLP, Evidencia, Incidente, Nivel, Origen, Tarea, TipoEntrada
from ..selectors import incidente_obtener
from ..states import MAQUINA, Estado, Transicion
from .comun import ROLES_GESTION, exigir_gestion, registrar, resumen, siguiente_codigo

TOLERANCIA_RELOJ = timedelta(minutes=5)


def _validar_reporte(*, titulo: str, descripcion: str, detectado_en: datetime,
                     ocurrido_en: datetime | None, tlp: str, origen: str) -> None:
    errores: dict[str, list[str]] = {}
    ahora = timezone.now()
    if not titulo.strip():
        errores["titulo"] = [_("El título es obligatorio.")]
    elif len(titulo) > 200:
        errores["titulo"] = [_("El título admite hasta 200 caracteres.")]
    if not descripcion.strip():
        errores["descripcion"] = [_("La descripción es obligatoria.")]
    if detectado_en is None or timezone.is_naive(detectado_en):
        errores["detectado_en"] = [_("Indique fecha y hora de detección con zona horaria.")]
    elif detectado_en > ahora + TOLERANCIA_RELOJ:
        errores["detectado_en"] = [_("La fecha de detección no puede estar en el futuro.")]
    if ocurrido_en is not None and detectado_en is not None and ocurrido_en > detectado_en:
        errores["ocurrido_en"] = [_("La ocurrencia no puede ser posterior a la detección.")]
    if tlp not in TLP.values:
        errores["tlp"] = [_("TLP no válido.")]
    if origen not in Origen.values:
        errores["origen"] = [_("Origen no válido.")]
    if errores:
        raise ErrorValidacion(extra=errores)


def incidente_reportar(
    *,
    actor,
    entidad: Entidad,
    titulo: str,
    descripcion: str,
    detectado_en: datetime,
    ocurrido_en: datetime | None = None,
    activos_afectados: str = "",
    activos: list | None = None,
    origen: str = Origen.ENTIDAD,
    origen_detalle: str = "",
    tlp: str = TLP.AMBER,
    adjuntos: tuple = (),
    guardados: tuple = (),
    por_correo: bool = False,
) -> Incidente:
    """An entity reports (origin 'entidad'), or CGII opens one on an entity's behalf.
    ``por_correo``: the mail intake (``incidentes.correo``) reports for an entity user whose
    e-mail it read — origin 'correo', the sender's address as its detail. ``guardados``:
    evidence files the caller already stored (``archivos.ArchivoGuardado``: the e-mail's
    attachments and raw message), recorded like ``adjuntos``; the caller removes them if
    this fails."""
    personal = es_personal_cgii(actor)
    if not personal:
        if entidad.pk not in ids_entidades_de(actor):
            raise NoEncontrado(_("Entidad no encontrada."))
        if por_correo:
            origen, origen_detalle = Origen.CORREO, origen_detalle[:255]
        else:
            origen, origen_detalle = Origen.ENTIDAD, ""
    elif not (fsm.es_sistema(actor) or tiene_rol_cgii(actor, *ROLES_GESTION)):
        raise PermisoDenegado()  # the system opens incidents from feed events (fuentes)
    if not entidad.activa:
        raise ErrorValidacion(extra={"entidad": [_("La entidad no está activa.")]})
    _validar_reporte(titulo=titulo, descripcion=descripcion, detectado_en=detectado_en,
                     ocurrido_en=ocurrido_en, tlp=tlp, origen=origen)

    # Files first (413/415 before touching the database); removed again if the write fails.
    guardados_aqui = [archivos.guardar_archivo(a, carpeta="incidentes") for a in adjuntos]
    ahora = timezone.now()
    prioridad = protocolos.prioridad_inicial(entidad_critica=entidad.critica)
    relojes = sla.preparar(prioridad=prioridad, entidad_id=entidad.pk, momento=ahora)
    vence_sla, estado_sla = sla.resumen_relojes(relojes)
    # «Posible duplicado» (issue 18): a suggestion only, the report is always accepted.
    sugerencia = duplicados.por_texto(entidad_id=entidad.pk, titulo=titulo.strip(),
                                      descripcion=descripcion, momento=ahora)
    try:
        with transaction.atomic():
            # From the code on, the year's counter row stays locked until COMMIT and
            # concurrent reports queue on it: only the writes happen from here.
            incidente = Incidente.objects.create(
                codigo=siguiente_codigo(ahora), entidad=entidad,
                reportante=None if getattr(actor, "es_sistema", False) else actor,
                origen=origen, origen_detalle=origen_detalle, titulo=titulo.strip(),
                descripcion=descripcion, detectado_en=detectado_en, ocurrido_en=ocurrido_en,
                activos_afectados=activos_afectados, activos=activos or [], tlp=tlp,
                prioridad=prioridad, vence_sla=vence_sla, estado_sla=estado_sla, creado=ahora,
                posible_duplicado=sugerencia.incidente if sugerencia else None,
                similitud_duplicado=sugerencia.similitud if sugerencia else None,
            )
            incidente.sugerencia_duplicado = sugerencia  # read by the API's intake answer
            for g in (*guardados_aqui, *guardados):
                Evidencia.objects.create(
                    incidente=incidente, subido_por=actor, nombre=g.nombre_original,
                    tipo_mime=g.tipo_mime, tamano=g.tamano, sha256=g.sha256, ruta=g.ruta,
                )
            sla.iniciar(incidente, relojes=relojes)
            texto = _("Incidente reportado por la entidad.") if not personal else _(
                "El CGII registró este incidente en nombre de la entidad.")
            registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.REPORTE, accion="reportar",
                      evento="incidente.creado", visible_entidad=True, texto=texto,
                      datos={"origen": origen,
                             "evidencias": len(guardados_aqui) + len(guardados),
                             **({"posible_duplicado": sugerencia.como_datos()}
                                if sugerencia else {})},
                      despues=resumen(incidente))
            # The entity hears of it through incidentes.notificaciones (origin ≠ entidad).
    except BaseException:
        for g in guardados_aqui:
            archivos.borrar_archivo(g.ruta)
        raise
    return incidente


def _instanciar_tareas(incidente: Incidente) -> int:
    """Add the protocol's steps missing from the checklist; keep what is done; drop pending
    tasks that the new protocol does not have."""
    pasos = protocolos.pasos_de(incidente.protocolo)
    codigos = {p.codigo for p in pasos}
    pasos_actuales = incidente.tareas.filter(propia=False)  # own tasks survive reclassifying
    existentes = {t.codigo_paso: t for t in pasos_actuales}
    pasos_actuales.filter(estado="pendiente").exclude(codigo_paso__in=codigos).delete()
    nuevas = [
        Tarea(incidente=incidente, paso=p, codigo_paso=p.codigo, fase=p.fase, orden=p.orden,
              titulo=p.titulo, instrucciones=p.instrucciones, obligatoria=p.obligatorio,
              rol=p.rol, requiere_evidencia=p.requiere_evidencia, requiere_nota=p.requiere_nota)
        for p in pasos if p.codigo not in existentes
    ]
    Tarea.objects.bulk_create(nuevas)
    return len(nuevas)


def incidente_clasificar(
    *,
    actor,
    incidente_id: int,
    tipo_codigo: str,
    impacto: int,
    urgencia: int,
    prioridad: str | None = None,
    motivo_prioridad: str = "",
) -> Incidente:
    exigir_gestion(actor)
    errores = {}
    if impacto not in Nivel.values:
        errores["impacto"] = [_("Impacto no válido (1 a 4).")]
    if urgencia not in Nivel.values:
        errores["urgencia"] = [_("Urgencia no válida (1 a 4).")]
    if prioridad and prioridad not in ("P1", "P2", "P3", "P4"):
        errores["prioridad"] = [_("Prioridad no válida (P1 a P4).")]
    if prioridad and not motivo_prioridad.strip():
        errores["motivo_prioridad"] = [_("Indique el motivo para fijar la prioridad a mano.")]
    tipo = protocolos.tipo_por_codigo(tipo_codigo)
    if tipo is None:
        errores["tipo"] = [_("Tipo de incidente desconocido.")]
    if errores:
        raise ErrorValidacion(extra=errores)
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        if incidente.estado not in (Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS,
                                    Estado.EN_CONTENCION, Estado.EN_ERRADICACION,
                                    Estado.EN_RECUPERACION, Estado.EN_ESPERA_ENTIDAD):
            raise TransicionInvalida(_("No se puede clasificar un incidente en estado %(e)s.")
                                     % {"e": incidente.get_estado_display()})
        antes = {"tipo": incidente.tipo.codigo if incidente.tipo_id else None,
                 "prioridad": incidente.prioridad}
        calculada = protocolos.calcular_prioridad(
            impacto=impacto, urgencia=urgencia, entidad_critica=incidente.entidad.critica)
        incidente.tipo = tipo
        incidente.version_taxonomia = tipo.version_catalogo
        incidente.protocolo = protocolos.protocolo_para_tipo(tipo)
        incidente.impacto, incidente.urgencia = impacto, urgencia
        incidente.prioridad = prioridad or calculada
        incidente.prioridad_manual = bool(prioridad and prioridad != calculada)
        incidente.motivo_prioridad = motivo_prioridad.strip() if incidente.prioridad_manual else ""
        incidente.save(update_fields=["tipo", "version_taxonomia", "protocolo", "impacto",
                                      "urgencia", "prioridad", "prioridad_manual",
                                      "motivo_prioridad", "actualizado"])
        nuevas = _instanciar_tareas(incidente)
        sla.cambiar_prioridad(incidente, momento=timezone.now())
        despues = {"tipo": tipo.codigo, "prioridad": incidente.prioridad}
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.CLASIFICACION,
                  accion="clasificar", evento="incidente.actualizado", visible_entidad=True,
                  texto=_("Clasificado como %(tipo)s, prioridad %(p)s.")
                  % {"tipo": tipo.nombre, "p": incidente.prioridad},
                  datos={"tareas_nuevas": nuevas, "calculada": calculada,
                         "manual": incidente.prioridad_manual}, antes=antes, despues=despues)
    return incidente


def incidente_asignar(*, actor, incidente_id: int, analista_id: int | None) -> Incidente:
    """Coordinators assign anyone on staff; an analyst may only take an incident himself."""
    exigir_gestion(actor)
    # The system assigns too: the round-robin of new incidents (services.reparto).
    es_coordinador = fsm.es_sistema(actor) or tiene_rol_cgii(actor, "coordinador",
                                                             "administrador")
    if not es_coordinador and analista_id != actor.pk:
        raise PermisoDenegado(_("Solo un coordinador puede asignar a otra persona."))
    analista = None
    if analista_id is not None:
        # Taking it oneself: the actor is the analyst (its roles already read), no lookup.
        analista = actor if analista_id == actor.pk and actor.is_active else \
            get_user_model().objects.filter(pk=analista_id, is_active=True).first()
        if analista is None or not tiene_rol_cgii(analista, *ROLES_GESTION):
            raise ErrorValidacion(extra={"analista": [_("Debe ser personal CGII activo.")]})
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        antes = {"analista_id": incidente.analista_id}
        incidente.analista = analista
        incidente.save(update_fields=["analista", "actualizado"])
        nombre = (analista.get_full_name() or analista.username) if analista else _("nadie")
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.ASIGNACION, accion="asignar",
                  evento="incidente.actualizado", visible_entidad=False,
                  texto=_("Asignado a %(n)s.") % {"n": nombre},
                  antes=antes, despues={"analista_id": analista_id})
    return incidente


# Fields the transition methods themselves may change (models.Incidente).
CAMPOS_DE_TRANSICION = ("actualizado", "maestro", "estado_previo", "resuelto_en",
                        "cerrado_en", "confirmado_por_entidad_en")


def _maestro(valor, actor) -> Incidente:
    """The master incident by id or by code (people know codes, not ids); one the actor
    cannot see is a field error (400), not the 404 that belongs to the incident itself."""
    texto = str(valor).strip()
    buscar = {"incidente_id": int(texto)} if texto.isdigit() else {"codigo": texto.upper()}
    try:
        return incidente_obtener(usuario=actor, **buscar)
    except NoEncontrado:
        raise ErrorValidacion(extra={"maestro_id": [
            _("No se encontró el incidente maestro %(c)s.") % {"c": texto}]}) from None


def _aplicar_campos(incidente: Incidente, transicion: str, datos: dict, actor) -> list[str]:
    """Set the fields typed with the transition (its conditions read them)."""
    cambiados = []
    for campo in MAQUINA.campos.get(transicion, ()):
        if campo not in datos:
            continue
        valor = datos[campo]
        if campo == "maestro_id":
            maestro = _maestro(valor, actor)
            valor = maestro.pk
            if maestro.pk == incidente.pk or maestro.estado == Estado.DUPLICADO:
                raise ErrorValidacion(extra={"maestro_id": [
                    _("El maestro debe ser otro incidente que no sea a su vez duplicado.")]})
        elif campo == "controles_fallidos":
            if not isinstance(valor, list) or not all(isinstance(c, str) for c in valor):
                raise ErrorValidacion(extra={campo: [_("Lista de códigos de control.")]})
        elif not isinstance(valor, str):
            raise ErrorValidacion(extra={campo: [_("Debe ser texto.")]})
        setattr(incidente, campo, valor)
        cambiados.append(campo)
    return cambiados


# Transitions whose comment is their content (the question, the answer, the objection):
# without it they are refused, whichever door (page form or API) they came through.
TEXTO_OBLIGATORIO = {
    Transicion.SOLICITAR_INFORMACION: _lazy("Escriba la pregunta para la entidad."),
    Transicion.RESPONDER_ENTIDAD: _lazy("Escriba su respuesta a la solicitud."),
    Transicion.OBJETAR_RESOLUCION: _lazy("Indique qué sigue sin resolverse."),
}
MAX_COMENTARIO = 20_000


def _comentario_valido(transicion: str, comentario: str) -> None:
    if transicion in TEXTO_OBLIGATORIO and not comentario:
        raise ErrorValidacion(extra={"comentario": [str(TEXTO_OBLIGATORIO[transicion])]})
    if len(comentario) > MAX_COMENTARIO:
        raise ErrorValidacion(extra={"comentario": [
            _("Máximo %(n)d caracteres.") % {"n": MAX_COMENTARIO}]})


def incidente_transicionar(
    *,
    actor,
    incidente_id: int,
    transicion: str,
    comentario: str = "",
    datos: dict | None = None,
    tipo_entrada: str = TipoEntrada.TRANSICION,
) -> Incidente:
    """Every incident state change, through the shared mechanism (``cgii.fsm``): what is
    the incident's own is the typed fields, the SLA clocks and its timeline row.
    ``tipo_entrada`` lets a request/answer record the question as the transition's one
    timeline row instead of a second row."""
    datos = datos or {}
    comentario = (comentario or "").strip()

    def preparar(incidente) -> list[str]:
        _comentario_valido(transicion, comentario)
        return _aplicar_campos(incidente, transicion, datos, actor)

    def constancia(cambio: fsm.Cambio) -> None:
        incidente = cambio.objeto
        sla.tras_transicion(incidente, antes=cambio.antes, actor=actor, momento=cambio.momento)
        if tipo_entrada != TipoEntrada.TRANSICION:
            texto = comentario
        elif transicion == Transicion.OBJETAR_RESOLUCION:
            texto = fsm.texto_cambio(MAQUINA, cambio, _(
                "La entidad indica que el problema no está resuelto: %(m)s") % {"m": comentario})
        else:
            texto = fsm.texto_cambio(MAQUINA, cambio, comentario)
        registrar(incidente, actor=actor, tipo_entrada=tipo_entrada,
                  accion="transicion", evento="incidente.transicion", visible_entidad=True,
                  texto=texto,
                  datos={"transicion": transicion, "de": cambio.antes, "a": cambio.despues,
                         "comentario": comentario},
                  antes={"estado": cambio.antes}, despues={"estado": cambio.despues})
        if cambio.despues == Estado.CERRADO and incidente.controles_fallidos:
            # planes_seguridad listens for this: failed controls become PISI findings.
            evento_emitir(tipo="incidente.cerrado_con_controles",
                          datos={"incidente": resumen(incidente),
                                 "controles": incidente.controles_fallidos},
                          grupos=[], entidad_id=incidente.entidad_id)

    cambio = fsm.ejecutar(
        lambda: incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                  para_actualizar=True),
        MAQUINA, actor=actor, transicion=transicion, constancia=constancia,
        preparar=preparar,
        campos=CAMPOS_DE_TRANSICION,
        extra=lambda i: {"pasos_pendientes": [t.titulo for t in i.pasos_obligatorios_pendientes()]},
    )
    return cambio.objeto
