"""Pieces every incident service shares: timeline + audit + outbox in one call."""

from django.db import connection
from django.utils import timezone

from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.errores import PermisoDenegado
from cgii.eventos import grupos
from cgii.fsm import actor_real, dejar_constancia, es_sistema

from ..models import ContadorIncidente, EntradaTimeline, Incidente

ROLES_GESTION = ("analista", "coordinador", "administrador")


def exigir_gestion(actor) -> None:
    if not (es_sistema(actor) or tiene_rol_cgii(actor, *ROLES_GESTION)):
        raise PermisoDenegado()


def siguiente_codigo(momento) -> str:
    """CGII-<year>-<seq>: the upsert locks the year's row until commit, so concurrent reports
    queue on it and a rollback returns the number (gap-free)."""
    anio = timezone.localtime(momento).year
    tabla = ContadorIncidente._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tabla} (anio, ultimo) VALUES (%s, 1) "
            f"ON CONFLICT (anio) DO UPDATE SET ultimo = {tabla}.ultimo + 1 RETURNING ultimo",
            [anio],
        )
        (numero,) = cursor.fetchone()
    return f"CGII-{anio}-{numero:05d}"


def resumen(incidente: Incidente) -> dict:
    """What events carry about an incident (enough to refresh a queue row)."""
    return {
        "id": incidente.pk,
        "codigo": incidente.codigo,
        "titulo": incidente.titulo,
        "estado": incidente.estado,
        "prioridad": incidente.prioridad,
        "entidad_id": incidente.entidad_id,
        "analista_id": incidente.analista_id,
        "vence_sla": incidente.vence_sla.isoformat() if incidente.vence_sla else None,
        "estado_sla": incidente.estado_sla,
        "tlp": incidente.tlp,
        "origen": incidente.origen,
    }


def grupos_para(incidente: Incidente, *, visible_entidad: bool) -> list[str]:
    destino = [grupos.GRUPO_PERSONAL_CGII, grupos.grupo_incidente_interno(incidente.pk)]
    if visible_entidad:
        destino += [grupos.grupo_entidad(incidente.entidad_id),
                    grupos.grupo_incidente(incidente.pk)]
    return destino


def registrar(
    incidente: Incidente,
    *,
    actor,
    tipo_entrada: str,
    accion: str,
    evento: str,
    visible_entidad: bool,
    texto: str = "",
    datos: dict | None = None,
    antes: dict | None = None,
    despues: dict | None = None,
) -> EntradaTimeline:
    """One timeline row, then the audit row and the outbox event (``cgii.fsm``), inside the
    caller's transaction."""
    entrada = EntradaTimeline.objects.create(
        incidente=incidente, tipo=tipo_entrada, actor=actor_real(actor),
        visible_entidad=visible_entidad, texto=texto, datos=datos or {},
    )
    dejar_constancia(
        actor=actor, accion=f"incidente.{accion}", objeto=incidente,
        entidad_id=incidente.entidad_id, antes=antes, despues=despues,
        datos={"timeline_id": entrada.pk, **(datos or {})},
        evento=evento,
        datos_evento={"incidente": resumen(incidente), "entrada": serializar_entrada(entrada)},
        grupos=grupos_para(incidente, visible_entidad=visible_entidad),
    )
    return entrada


def serializar_entrada(entrada: EntradaTimeline) -> dict:
    actor = entrada.actor
    return {
        "id": entrada.pk,
        "tipo": entrada.tipo,
        "texto": entrada.texto,
        "datos": entrada.datos,
        "visible_entidad": entrada.visible_entidad,
        "actor": (actor.get_full_name() or actor.username) if actor else "sistema",
        "actor_id": actor.pk if actor else None,
        "actor_es_cgii": bool(actor and es_personal_cgii(actor)),
        "creado": entrada.creado.isoformat(),
    }
