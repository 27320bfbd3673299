"""PISI plans and findings in the search index (registered from
``PlanesSeguridadConfig.ready``). Both are visible to the plan's entity members and to CGII
staff, as ``selectors.planes_visibles``; rebuilt from the ``pisi.*`` outbox events."""

from __future__ import annotations

from django.urls import reverse

from cgii.busqueda.documentos import Documento
from cgii.busqueda.registro import TipoDocumento, registrar_fuente, registrar_tipo

from .models import EstadoHallazgo, Grado, Hallazgo, PlanInstitucional
from .states import Estado


def construir_planes(ids: list[int]) -> list[Documento]:
    documentos = []
    for plan in PlanInstitucional.objects.filter(pk__in=ids).select_related("entidad",
                                                                              "catalogo"):
        documentos.append(Documento(
            tipo="plan", objeto_id=plan.pk, entidades=(plan.entidad_id,),
            entidad_id=plan.entidad_id, clave=plan.codigo_verificacion or "",
            titulo=f"PISI {plan.entidad.sigla} {plan.gestion} v{plan.version}",
            texto="\n".join(x for x in (plan.entidad.nombre, plan.alcance) if x),
            mensajes=plan.observaciones, estado=plan.estado, categoria=plan.catalogo.codigo,
            anio=plan.gestion, fecha=plan.creado,
            datos={"entidad_sigla": plan.entidad.sigla, "gestion": plan.gestion,
                   "version": plan.version},
        ))
    return documentos


def construir_hallazgos(ids: list[int]) -> list[Documento]:
    documentos = []
    grados = dict(Grado.choices)
    for h in Hallazgo.objects.filter(pk__in=ids).select_related("plan", "plan__entidad"):
        plan = h.plan
        documentos.append(Documento(
            tipo="hallazgo", objeto_id=h.pk, entidades=(plan.entidad_id,),
            entidad_id=plan.entidad_id, clave=h.incidente_codigo,
            titulo=" · ".join(x for x in (str(grados.get(h.grado, h.grado)),
                                          h.control_numero, h.descripcion[:120]) if x),
            texto="\n".join(x for x in (h.descripcion, h.causa_raiz, h.accion_correctiva) if x),
            mensajes=h.comentario_cierre, estado=h.estado, categoria=h.grado,
            anio=h.creado.year, fecha=h.creado,
            datos={"plan_id": plan.pk, "entidad_sigla": plan.entidad.sigla,
                   "plan": f"PISI {plan.entidad.sigla} {plan.gestion} v{plan.version}"},
        ))
    return documentos


def _por_lotes(qs, tamano=1000):
    ultimo = 0
    while True:
        lote = list(qs.filter(pk__gt=ultimo).order_by("pk").values_list("pk", flat=True)[:tamano])
        if not lote:
            return
        yield lote
        ultimo = lote[-1]


def afectados(evento) -> dict:
    datos = evento.datos or {}
    salida: dict[str, list[int]] = {}
    plan_id = (datos.get("plan") or {}).get("id")
    if plan_id:
        salida["plan"] = [plan_id]
    if isinstance(datos.get("hallazgo_id"), int):
        salida["hallazgo"] = [datos["hallazgo_id"]]
    return salida


def registrar() -> None:
    registrar_tipo(TipoDocumento(
        nombre="plan", indice="pisi", etiqueta="PISI", construir=construir_planes,
        todos=lambda: _por_lotes(PlanInstitucional.objects.all()),
        url=lambda objeto_id, datos: reverse("pisi:detalle", args=[objeto_id]), orden=30,
        etiquetas={"estado": {k: str(v) for k, v in Estado.choices}},
    ))
    registrar_tipo(TipoDocumento(
        nombre="hallazgo", indice="pisi", etiqueta="Hallazgo PISI",
        construir=construir_hallazgos, todos=lambda: _por_lotes(Hallazgo.objects.all()),
        url=lambda objeto_id, datos: reverse("pisi:hallazgos", args=[datos.get("plan_id")]),
        orden=35,
        etiquetas={"estado": {k: str(v) for k, v in EstadoHallazgo.choices},
                   "categoria": {k: str(v) for k, v in Grado.choices}},
    ))
    registrar_fuente(nombre="busqueda.pisi", tipos=("pisi.*",), afectados=afectados)
