"""The detail page's other panels as columns of the incident's row (issue 22, PostgreSQL).

``selectors.incidente_detalle`` already brings the checklist, the clocks, the evidence and
the duplicate candidates that the API and the page share (``cgii.bd.filas_json``). The page
shows more: the stream position its socket resumes from, the analysts' own tasks, the
incident's indicators, its e-mails (staff), and for managers who a task or the incident may
go to. Each was one more statement; here each is one more column, with the same filters and
order as the selector it replaces (named on each), and ``leer`` puts the rows where those
selectors look first. The embedded SQLite profile reads them apart, as before.
"""

from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from cgii.bd import filas_json
from cgii.entidades.carga_usuario import sql_en_grupo
from cgii.entidades.models import Membresia, Usuario
from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.eventos.models import Evento

from .correo.models import CorreoEntrante
from .indicadores.models import Indicador, IndicadorIncidente
from .models import Incidente, Tarea
from .services.comun import ROLES_GESTION

# views.detalle.LIMITE_INDICADORES: the panel shows the newest 50 links.
LIMITE_VINCULOS = 50


def columnas(usuario) -> dict:
    inc = Incidente._meta.db_table
    propio = f"t.incidente_id = {inc}.id"
    personal = es_personal_cgii(usuario)
    salida = {
        # cgii.eventos.selectors.secuencia_actual, in the same snapshot as the rows shown.
        "panel_secuencia": RawSQL(f"(SELECT coalesce(max(secuencia), 0) FROM "
                                  f"{Evento._meta.db_table})", (), output_field=IntegerField()),
        # selectores_tareas.tareas_propias_de
        "panel_tareas_propias": filas_json.lista(
            Tarea, donde=f"{propio} AND t.propia" + ("" if personal else " AND t.compartida"),
            orden="orden, id", relacionados={"asignado": Usuario, "creada_por": Usuario}),
        # indicadores.selectors.vinculos_de_incidente (newest first, the panel's cap)
        "panel_vinculos": filas_json.lista(
            IndicadorIncidente, donde=propio, orden="agregado_en DESC, id DESC",
            relacionados={"indicador": Indicador, "agregado_por": Usuario},
            limite=LIMITE_VINCULOS),
    }
    if personal:
        # correo.selectors.correos_de_incidente (staff only)
        salida["panel_correos"] = filas_json.lista(
            CorreoEntrante, donde=propio, orden="recibido, id", relacionados={"usuario": Usuario})
    if tiene_rol_cgii(usuario, *ROLES_GESTION):
        # views.detalle.personal_asignable
        salida["panel_asignables"] = filas_json.lista(
            Usuario, donde=f"t.is_active AND {sql_en_grupo('t.id', varios=True)}",
            params=[list(ROLES_GESTION)],
            orden="first_name, last_name, username")
        # views.tareas.contexto: the entity's active people a task may go to
        salida["panel_responsables"] = filas_json.lista(
            Membresia, donde=f"t.entidad_id = {inc}.entidad_id AND t.activa AND EXISTS ("
            f"SELECT 1 FROM {Usuario._meta.db_table} u WHERE u.id = t.usuario_id "
            "AND u.is_active)", orden="id", relacionados={"usuario": Usuario})
    return salida


def leer(incidente: Incidente) -> None:
    """From the columns to the caches the page's selectors read."""
    incidente._secuencia = incidente.panel_secuencia
    incidente._tareas_propias_cache = filas_json.instancias(
        Tarea, incidente.panel_tareas_propias, {"asignado": Usuario, "creada_por": Usuario})
    incidente._vinculos_cache = filas_json.instancias(
        IndicadorIncidente, incidente.panel_vinculos,
        {"indicador": Indicador, "agregado_por": Usuario})
    if hasattr(incidente, "panel_correos"):
        incidente._correos_cache = filas_json.instancias(
            CorreoEntrante, incidente.panel_correos, {"usuario": Usuario})
    if hasattr(incidente, "panel_asignables"):
        incidente._asignables_cache = filas_json.instancias(Usuario, incidente.panel_asignables)
        miembros = filas_json.instancias(Membresia, incidente.panel_responsables,
                                         {"usuario": Usuario})
        incidente._responsables_cache = sorted(
            (m.usuario for m in miembros),
            key=lambda u: (u.first_name, u.username))
