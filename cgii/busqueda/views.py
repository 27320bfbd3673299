"""Search page: full-text results with facets and highlights, and the IOC lookup mode."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cgii.errores import ErrorDominio

from . import registro
from .documentos import FACETAS
from .formularios import MAX_VALORES_IOC, parametros, valores_ioc
from .resaltado import resaltar
from .selectors import buscar, etiqueta_campo

NOMBRES_FACETA = {"tipo": "Tipo", "estado": "Estado", "prioridad": "Prioridad",
                  "categoria": "Categoría", "entidad": "Entidad", "anio": "Año", "tlp": "TLP"}


def _enlace(base: list[tuple[str, str]], **cambios) -> str:
    """The current query string with one facet value toggled (and back to page 1)."""
    pares = [(k, v) for k, v in base if k != "pagina"]
    for clave, valor in cambios.items():
        if (clave, valor) in pares:
            pares.remove((clave, valor))
        else:
            pares.append((clave, valor))
    return "?" + urlencode(pares)


@login_required
@require_http_methods(["GET", "POST"])
def inicio(request):
    modo = request.POST.get("modo") or request.GET.get("modo") or "texto"
    if modo == "ioc":
        return _ioc(request)
    p = parametros(request.GET)
    contexto = {"modo": "texto", "texto": p["texto"], "resultados": None,
                "tipos": registro.tipos()}
    if p["texto"] or p["tipos"] or p["filtros"]:
        try:
            resultados = buscar(request.user, p["texto"], tipos=p["tipos"], filtros=p["filtros"],
                                pagina=p["pagina"], por_pagina=p["por_pagina"])
        except ErrorDominio as exc:
            messages.error(request, exc.message)
            resultados = None
        if resultados is not None:
            base = [(k, v) for k in request.GET for v in request.GET.getlist(k) if v]
            for a in resultados.aciertos:
                a.vista = [(etiqueta_campo(campo), [resaltar(f) for f in fragmentos])
                           for campo, fragmentos in a.fragmentos.items() if campo != "titulo"]
                a.titulo_html = (resaltar(a.fragmentos["titulo"][0])
                                 if a.fragmentos.get("titulo") else a.titulo)
            facetas = []
            for faceta in FACETAS:
                valores = resultados.facetas.get(faceta) or []
                if not valores:
                    continue
                for v in valores:
                    v.enlace = _enlace(base, **{faceta: v.valor})
                facetas.append((NOMBRES_FACETA[faceta], valores))
            contexto.update({
                "resultados": resultados, "facetas": facetas,
                "anterior": _pagina(base, resultados.pagina - 1)
                if resultados.pagina > 1 else None,
                "siguiente": _pagina(base, resultados.pagina + 1)
                if resultados.pagina < resultados.paginas else None,
                "hay_filtros": bool(p["filtros"] or p["tipos"]),
                "sin_filtros": "?" + urlencode({"q": p["texto"]}),
            })
    return render(request, "busqueda/resultados.html", contexto)


def _pagina(base, numero: int) -> str:
    return "?" + urlencode([(k, v) for k, v in base if k != "pagina"] + [("pagina", numero)])


def _ioc(request):
    texto = request.POST.get("valores") if request.method == "POST" else request.GET.get(
        "valores", "")
    valores = valores_ioc(texto or "")
    contexto = {"modo": "ioc", "valores_texto": texto or "", "respuestas": None,
                "maximo": MAX_VALORES_IOC}
    funcion = registro.busqueda_valores()
    if valores:
        if funcion is None:
            messages.error(request, _("La búsqueda de indicadores no está disponible."))
        elif len(valores) > MAX_VALORES_IOC:
            messages.error(request, _("Máximo %(n)d valores por consulta.")
                           % {"n": MAX_VALORES_IOC})
        else:
            try:
                respuestas = funcion(request.user, valores)
            except ErrorDominio as exc:
                messages.error(request, exc.message)
            else:
                contexto["respuestas"] = respuestas
                contexto["con_incidentes"] = sum(1 for r in respuestas if r["total"])
    return render(request, "busqueda/resultados.html", contexto)
