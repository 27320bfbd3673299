"""The console's rows written here, not by the template engine (issue 22).

Fifty ``{% include "_fila.html" %}`` were half of a console page's CPU time: per row a
context push, ~35 nodes, three ``blocktranslate``, four date filters and a ``csrf_token``.
The same markup as that template wrote (same ids, classes and ``data-*`` the page's script
and the live updates read), as one f-string per row: texts translated once per page, every
value escaped, dates in La Paz time as the ``date`` filter wrote them, numbers never
localised. ``consola_filas`` (the live row fragments) writes its rows with the same function.
"""

from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..states import Estado
from ..templatetags.tiempo_vivo import hace

# Where a row offers the «posible duplicado» badge (the states before containment).
ESTADOS_DUPLICADO = frozenset({Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS})


def _textos() -> dict[str, str]:
    return {"pausa": _("en pausa"), "duplicado": _("posible duplicado"),
            "sin_clasificar": _("sin clasificar"), "nuevo": _("nuevo"),
            "critica": _("Entidad crítica"), "usted": _("usted"),
            "sin_asignar": _("sin asignar"), "tomar": _("Tomar"), "asignar": _("Asignar"),
            # The template's blocktranslate msgids, so the catalogs' translations still apply;
            # as there, the translated text is not escaped, the code it carries is.
            "elegir_c": _("Seleccionar %(c)s"), "tomar_c": _("Tomar %(c)s"),
            "asignar_c": _("Asignar %(c)s")}


def _iso(momento) -> str:
    """The ``date:'c'`` filter: ISO 8601 in the current time zone."""
    return timezone.localtime(momento).isoformat()


def filas_html(filas, *, request, gestiona: bool, coordina: bool,
               volver: str) -> dict[int, SafeString]:
    """{incident id: its ``<tr>``} for rows prepared by ``cola._decorar_filas``."""
    t = _textos()
    yo = request.user.pk
    csrf = escape(get_token(request))
    volver = escape(volver)
    return {i.pk: _fila(i, t, yo=yo, csrf=csrf, volver=volver, gestiona=gestiona,
                        coordina=coordina) for i in filas}


def _fila(i, t, *, yo, csrf, volver, gestiona, coordina) -> SafeString:
    pk, codigo, sla = i.pk, escape(i.codigo), escape(i.estado_sla or "")
    atributos = f' data-vence="{_iso(i.vence_sla)}"' if i.vence_sla else ""
    if i.advertencia_en:
        atributos += f' data-advertencia="{_iso(i.advertencia_en)}"'
    creado = timezone.localtime(i.creado)
    elegir = (f'<td class="col-elegir"><input type="checkbox" name="ids" value="{pk}" '
              f'form="form-lote" data-elegir aria-label="{t["elegir_c"] % {"c": codigo}}">'
              f'</td>') if gestiona else ""
    if i.vence_sla:
        cuenta = escape(i.cuenta_texto)
    else:
        cuenta = escape(t["pausa"]) if i.estado_sla == "pausado" else "—"
    texto_sla = (f'<span class="sla {sla}" data-sla-texto>{escape(i.sla_texto)}</span>'
                 if i.estado_sla else "")
    detalle = escape(i.url_detalle)
    duplicado = (f'<a class="insignia-duplicado" href="{detalle}#posible-duplicado" '
                 f'data-posible-duplicado="{i.posible_duplicado_id}">{escape(t["duplicado"])}</a>'
                 if i.posible_duplicado_id and i.estado in ESTADOS_DUPLICADO else "")
    if i.tipo_id:
        tipo = (f'<span class="tipo-fila">{escape(i.tipo.clase.nombre)} › '
                f'{escape(i.tipo.nombre)}</span>')
    else:
        tipo = f'<span class="tipo-fila sin-clasificar">{escape(t["sin_clasificar"])}</span>'
    e = i.entidad
    critica = (f' <span class="critica" title="{escape(t["critica"])}">★</span>'
               if e.critica else "")
    if i.analista_id:
        nombre = escape(i.analista.get_full_name() or i.analista.username)
        if i.analista_id == yo:
            nombre += f' <span class="ayuda">({escape(t["usted"])})</span>'
    else:
        nombre = f'<span class="sin-asignar">{escape(t["sin_asignar"])}</span>'
    tomar = (f'<form method="post" action="{escape(i.url_tomar)}" data-rapida>'
             f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
             f'<input type="hidden" name="volver" value="{volver}"><button type="submit" '
             f'class="pequeno" data-accion="tomar" aria-label="'
             f'{t["tomar_c"] % {"c": codigo}}">{escape(t["tomar"])}</button></form>'
             if gestiona and i.analista_id != yo else "")
    asignar = (f'<a class="boton pequeno secundario" href="{detalle}#asignacion" '
               f'data-asignar="{escape(i.url_asignar)}" data-analista="{i.analista_id or ""}" '
               f'aria-haspopup="menu" aria-label="{t["asignar_c"] % {"c": codigo}}">'
               f'{escape(t["asignar"])}</a>' if coordina else "")
    return mark_safe(  # noqa: S308 - every value above is escaped or a number
        f'<tr id="fila-{pk}" class="fila-cola sla-{sla or "ninguno"}" data-id="{pk}" '
        f'data-estado-sla="{sla}"{atributos} data-creado="{creado.isoformat()}" '
        f'data-codigo="{codigo}">\n'
        f'  {elegir}\n'
        f'  <td class="col-sla"><span class="cuenta" data-cuenta>{cuenta}</span>{texto_sla}</td>\n'
        f'  <td class="col-prioridad"><span class="prioridad {escape(i.prioridad.lower())}">'
        f'{escape(i.prioridad or "—")}</span></td>\n'
        f'  <td class="col-incidente">\n'
        f'    <a class="codigo-fila" href="{detalle}">{codigo}</a>\n'
        f'    {duplicado}\n'
        f'    <a class="titulo-fila" href="{detalle}" tabindex="-1">{escape(i.titulo)}</a>\n'
        f'    {tipo}\n'
        f'    <span class="insignia-nueva" aria-hidden="true">{escape(t["nuevo"])}</span>\n'
        f'  </td>\n'
        f'  <td class="col-entidad" title="{escape(e.nombre)}">{escape(e.sigla)}{critica}</td>\n'
        f'  <td class="col-estado"><span class="estado {escape(i.estado)}">'
        f'{escape(i.estado_texto)}</span></td>\n'
        f'  <td class="col-analista">\n'
        f'    <span class="nombre-analista">{nombre}</span>\n'
        f'    <span class="acciones-fila">\n'
        f'      {tomar}\n'
        f'      {asignar}\n'
        f'    </span>\n'
        f'  </td>\n'
        f'  <td class="col-reportado nowrap"><time datetime="{creado.isoformat()}" '
        f'title="{creado.strftime("%d/%m/%Y %H:%M")}" data-hace>{escape(hace(i.creado))}</time>'
        f'</td>\n'
        f'</tr>\n')
