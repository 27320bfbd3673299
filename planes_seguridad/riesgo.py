"""The risk matrix's arithmetic, pure: a level from probability × impact, the order of
levels, and when the MAE must accept a residual risk. ``matriz`` is a ``MatrizRiesgo`` (or
anything with its attributes)."""

from django.utils.translation import gettext as _


def dimensiones(matriz) -> tuple[int, int]:
    """(probability levels, impact levels)."""
    return len(matriz.probabilidad), len(matriz.impacto)


def nivel(matriz, probabilidad: int, impacto: int) -> str:
    """The level code of a cell (values 1-based, as people write them)."""
    return matriz.celdas[probabilidad - 1][impacto - 1]


def orden(matriz, codigo: str) -> int:
    """Position of a level, low → high (−1 for an empty or unknown code)."""
    for i, n in enumerate(matriz.niveles):
        if n["codigo"] == codigo:
            return i
    return -1


def nombre_nivel(matriz, codigo: str) -> str:
    return next((n["nombre"] for n in matriz.niveles if n["codigo"] == codigo), codigo)


def requiere_aceptacion(matriz, *, tratamiento: str, nivel_residual: str) -> bool:
    """The MAE accepts every risk treated by accepting it, and every residual risk at or
    above the matrix's ``aceptacion_mae_desde`` (ISO/IEC 27001 6.1.3 f)."""
    if tratamiento == "aceptar":
        return True
    return bool(nivel_residual) and orden(matriz, nivel_residual) >= orden(
        matriz, matriz.aceptacion_mae_desde)


def problemas(datos: dict) -> list[str]:
    """What is wrong with a matrix definition (the loader refuses it): shapes, level codes,
    and cells that go down when probability or impact go up."""
    errores = []
    prob, imp, niveles = datos.get("probabilidad"), datos.get("impacto"), datos.get("niveles")
    if not (isinstance(prob, list) and 2 <= len(prob) <= 10
            and all(isinstance(x, str) and x for x in prob)):
        errores.append(_("«probabilidad» debe ser una lista de 2 a 10 etiquetas"))
    if not (isinstance(imp, list) and 2 <= len(imp) <= 10
            and all(isinstance(x, str) and x for x in imp)):
        errores.append(_("«impacto» debe ser una lista de 2 a 10 etiquetas"))
    codigos = [n.get("codigo") for n in niveles or [] if isinstance(n, dict)]
    if (not isinstance(niveles, list) or len(codigos) < 2 or len(set(codigos)) != len(codigos)
            or not all(isinstance(n, dict) and n.get("codigo") and n.get("nombre")
                       for n in niveles)):
        errores.append(_("«niveles» debe listar al menos dos niveles distintos con código y "
                         "nombre"))
    if errores:
        return errores
    celdas = datos.get("celdas")
    if not (isinstance(celdas, list) and len(celdas) == len(prob)
            and all(isinstance(f, list) and len(f) == len(imp) for f in celdas)):
        return [_("«celdas» debe tener %(p)d filas (probabilidad) de %(i)d columnas (impacto)")
                % {"p": len(prob), "i": len(imp)}]
    rango = {c: i for i, c in enumerate(codigos)}
    ajenos = sorted({c for fila in celdas for c in fila if c not in rango}, key=str)
    if ajenos:
        return [_("niveles desconocidos en «celdas»: %(n)s") % {"n": ", ".join(map(str, ajenos))}]
    for p in range(len(prob)):
        for i in range(len(imp)):
            actual = rango[celdas[p][i]]
            if (p and actual < rango[celdas[p - 1][i]]) or (i and actual < rango[celdas[p][i - 1]]):
                errores.append(_("la celda probabilidad %(p)d × impacto %(i)d baja de nivel al "
                                 "subir la probabilidad o el impacto") % {"p": p + 1, "i": i + 1})
    if datos.get("aceptacion_mae_desde") not in rango:
        errores.append(_("«aceptacion_mae_desde» debe ser uno de los niveles"))
    return errores


def _lista(codigos: list[str], maximo: int = 10) -> str:
    texto = ", ".join(codigos[:maximo])
    if len(codigos) > maximo:
        texto += " " + _("y %(n)d más") % {"n": len(codigos) - maximo}
    return texto


def faltantes(matriz, *, activos: int, escenarios: list[dict]) -> list[str]:
    """What a risk assessment still lacks, in Spanish, one reason per kind (empty: complete).
    ``escenarios``: {codigo, nivel, tratamiento, nivel_residual, aceptado, n_controles,
    n_controles_aplican}. Complete means: assets inventoried; scenarios evaluated; each with
    a treatment (mitigation linked to applicable SoA controls); its residual risk evaluated;
    and the MAE's acceptance where the matrix asks for it."""
    motivos = []
    if not activos:
        motivos.append(_("No hay activos de información inventariados."))
    if not escenarios:
        motivos.append(_("No hay escenarios de riesgo registrados."))
        return motivos
    if matriz is None:
        return [*motivos, _("No hay una matriz de riesgo cargada.")]

    def donde(condicion) -> list[str]:
        return [e["codigo"] for e in escenarios if condicion(e)]

    reglas = (
        (lambda e: not e["nivel"], _("Escenarios sin probabilidad e impacto: %(c)s.")),
        (lambda e: not e["tratamiento"], _("Escenarios sin tratamiento: %(c)s.")),
        (lambda e: e["tratamiento"] == "mitigar" and not e["n_controles"],
         _("Escenarios a mitigar sin controles de la declaración de aplicabilidad: %(c)s.")),
        (lambda e: e["n_controles"] > e["n_controles_aplican"],
         _("Escenarios vinculados a controles que no se declararon aplicables: %(c)s.")),
        (lambda e: e["tratamiento"] and not e["nivel_residual"],
         _("Escenarios sin riesgo residual evaluado: %(c)s.")),
        (lambda e: e["nivel_residual"] and not e["aceptado"] and requiere_aceptacion(
            matriz, tratamiento=e["tratamiento"], nivel_residual=e["nivel_residual"]),
         _("Riesgos que requieren la aceptación de la MAE y no la tienen: %(c)s.")),
    )
    for condicion, mensaje in reglas:
        codigos = donde(condicion)
        if codigos:
            motivos.append(mensaje % {"c": _lista(codigos)})
    return motivos
