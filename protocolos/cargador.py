"""Loads the versioned YAML catalogs of ``catalogos/`` idempotently.

Each catalog has a version. Same version and same content: nothing happens. A newer version
updates in place (protocols get a new row, so incidents keep the version they started with).
An older version, or a changed file that kept its version number, is refused.
"""

from datetime import time
from pathlib import Path

from django.utils.translation import gettext as _

from cgii import catalogos

from .models import (
    CalendarioLaboral,
    ClaseIncidente,
    Parametro,
    Paso,
    PoliticaSLA,
    Protocolo,
    ReglaPrioridad,
    TipoIncidente,
    VersionCatalogo,
)

DIRECTORIO = Path(__file__).resolve().parent / "catalogos"

FASES = (
    ("triaje", "en_triaje"), ("analisis", "en_analisis"), ("contencion", "en_contencion"),
    ("erradicacion", "en_erradicacion"), ("recuperacion", "en_recuperacion"),
    ("cierre", "resuelto"),
)
TRANSICIONES = (
    "iniciar_triaje", "iniciar_analisis", "contener", "erradicar", "recuperar", "resolver",
    "cerrar", "autocerrar", "rechazar", "marcar_duplicado", "desmarcar_duplicado",
    "solicitar_informacion", "responder_entidad", "reabrir", "objetar_resolucion",
)
ROLES = {"analista", "coordinador", "administrador", "auditor", "reportante", "rsi", "mae",
         "sistema"}
ROLES_PASO = {"analista", "coordinador", "reportante", "rsi"}
PARAMETROS_POR_DEFECTO = {
    "autocierre_dias_habiles": (5, "Días hábiles tras «resuelto» sin respuesta de la entidad "
                                   "antes del cierre automático."),
    # «Posible duplicado» (incidentes.duplicados, issue 18).
    "duplicados_ventana_horas": (72, "Horas hacia atrás en las que un reporte parecido de la "
                                     "misma entidad se sugiere como posible duplicado."),
    "duplicados_umbral": (0.42, "Similitud mínima (0 a 1) del título y la descripción para "
                                "sugerir un posible duplicado."),
}


_error = catalogos.error
_exigir = catalogos.exigir
_leer = catalogos.leer


def _decidir(nombre: str, version: int, huella: str) -> bool:
    actual = VersionCatalogo.objects.filter(nombre=nombre).first()
    cargado = (actual.version, actual.huella) if actual else None
    return catalogos.decidir(nombre, cargado, version, huella)


def _marcar(nombre: str, version: int, huella: str) -> None:
    VersionCatalogo.objects.update_or_create(nombre=nombre,
                                             defaults={"version": version, "huella": huella})


# ---- protocols ------------------------------------------------------------------------------

def _validar_protocolo(datos: dict, nombre: str) -> None:
    _exigir(nombre, isinstance(datos.get("codigo"), str), _("falta «codigo»"))
    fases = datos.get("fases") or []
    _exigir(nombre, [(f.get("codigo"), f.get("estado")) for f in fases] == list(FASES),
            _("las fases deben ser, en orden: %(f)s") % {"f": ", ".join(c for c, _e in FASES)})
    codigos = set()
    for fase in fases:
        for paso in fase.get("pasos") or []:
            codigo = paso.get("codigo")
            _exigir(nombre, bool(codigo) and codigo not in codigos,
                    _("código de paso vacío o repetido: %(c)s") % {"c": codigo})
            codigos.add(codigo)
            _exigir(nombre, paso.get("rol") in ROLES_PASO,
                    _("rol de paso desconocido en %(c)s") % {"c": codigo})
            _exigir(nombre, bool(paso.get("titulo")) and bool(paso.get("instrucciones")),
                    _("el paso %(c)s necesita título e instrucciones") % {"c": codigo})
    transiciones = datos.get("transiciones") or {}
    desconocidas = set(transiciones) - set(TRANSICIONES)
    _exigir(nombre, not desconocidas,
            _("transiciones desconocidas: %(t)s") % {"t": ", ".join(sorted(desconocidas))})
    for roles in transiciones.values():
        _exigir(nombre, isinstance(roles, list) and set(roles) <= ROLES,
                _("roles desconocidos en transiciones: %(r)s") % {"r": roles})


def _cargar_protocolo(ruta: Path) -> list[str]:
    datos, huella = _leer(ruta)
    _validar_protocolo(datos, ruta.name)
    codigo, version = datos["codigo"], datos["version"]
    nombre = f"protocolo:{codigo}"
    if not _decidir(nombre, version, huella):
        return []
    Protocolo.objects.filter(codigo=codigo, vigente=True).update(vigente=False)
    protocolo = Protocolo.objects.create(
        codigo=codigo, version=version, nombre=datos["nombre"],
        nombre_en=datos.get("nombre_en", datos["nombre"]),
        descripcion=datos.get("descripcion", "").strip(),
        referencias=datos.get("referencias", []),
        fases=[{"codigo": f["codigo"], "estado": f["estado"], "nombre": f.get("nombre", f["codigo"])}
               for f in datos["fases"]],
        transiciones=datos.get("transiciones", {}), vigente=True, huella=huella,
    )
    orden = 0
    pasos = []
    for fase in datos["fases"]:
        for paso in fase.get("pasos") or []:
            orden += 1
            pasos.append(Paso(
                protocolo=protocolo, fase=fase["codigo"], estado=fase["estado"], orden=orden,
                codigo=paso["codigo"], titulo=paso["titulo"],
                instrucciones=paso["instrucciones"].strip(),
                obligatorio=bool(paso.get("obligatorio", True)), rol=paso["rol"],
                requiere_evidencia=bool(paso.get("requiere_evidencia", False)),
                requiere_nota=bool(paso.get("requiere_nota", False)),
            ))
    Paso.objects.bulk_create(pasos)
    _marcar(nombre, version, huella)
    return [_("protocolo %(c)s v%(v)d (%(n)d pasos)") % {"c": codigo, "v": version,
                                                         "n": len(pasos)}]


def cargar_protocolos(directorio: Path | None = None) -> list[str]:
    directorio = directorio or DIRECTORIO
    cambios = []
    for ruta in sorted((directorio / "protocolos").glob("*.yaml")):
        cambios += _cargar_protocolo(ruta)
    _exigir("protocolos", Protocolo.objects.filter(codigo="general", vigente=True).exists(),
            _("falta el protocolo «general» (respaldo de los demás)"))
    return cambios


# ---- taxonomy -------------------------------------------------------------------------------

def cargar_taxonomia(directorio: Path | None = None) -> list[str]:
    directorio = directorio or DIRECTORIO
    datos, huella = _leer(directorio / "taxonomia.yaml")
    version = datos["version"]
    if not _decidir("taxonomia", version, huella):
        return []
    protocolos = set(Protocolo.objects.filter(vigente=True).values_list("codigo", flat=True))
    vistos_clases, vistos_tipos = set(), set()
    for orden_clase, clase in enumerate(datos.get("clases") or [], start=1):
        obj_clase, _c = ClaseIncidente.objects.update_or_create(
            codigo=clase["codigo"],
            defaults={"nombre": clase["nombre"], "nombre_en": clase["nombre_en"],
                      "orden": orden_clase, "activa": True})
        vistos_clases.add(clase["codigo"])
        for orden_tipo, tipo in enumerate(clase.get("tipos") or [], start=1):
            _exigir("taxonomia", tipo["codigo"] not in vistos_tipos,
                    _("tipo repetido: %(c)s") % {"c": tipo["codigo"]})
            _exigir("taxonomia", tipo.get("protocolo") in protocolos,
                    _("el tipo %(c)s usa un protocolo inexistente: %(p)s")
                    % {"c": tipo["codigo"], "p": tipo.get("protocolo")})
            _exigir("taxonomia", tipo.get("impacto") in (1, 2, 3, 4),
                    _("impacto del tipo %(c)s fuera de 1..4") % {"c": tipo["codigo"]})
            vistos_tipos.add(tipo["codigo"])
            TipoIncidente.objects.update_or_create(
                codigo=tipo["codigo"],
                defaults={"clase": obj_clase, "nombre": tipo["nombre"],
                          "nombre_en": tipo["nombre_en"],
                          "descripcion": (tipo.get("descripcion") or "").strip(),
                          "impacto": tipo["impacto"], "protocolo_codigo": tipo["protocolo"],
                          "version_catalogo": version, "orden": orden_tipo, "activo": True})
    # Types dropped from the file stay for the incidents that use them, but are retired.
    ClaseIncidente.objects.exclude(codigo__in=vistos_clases).update(activa=False)
    retirados = TipoIncidente.objects.exclude(codigo__in=vistos_tipos).update(activo=False)
    _marcar("taxonomia", version, huella)
    return [_("taxonomía v%(v)d: %(c)d clases, %(t)d tipos, %(r)d retirados")
            % {"v": version, "c": len(vistos_clases), "t": len(vistos_tipos), "r": retirados}]


# ---- priority matrix ------------------------------------------------------------------------

def cargar_prioridad(directorio: Path | None = None) -> list[str]:
    directorio = directorio or DIRECTORIO
    datos, huella = _leer(directorio / "prioridad.yaml")
    version = datos["version"]
    if not _decidir("prioridad", version, huella):
        return []
    matriz = datos.get("matriz") or {}
    _exigir("prioridad", sorted(matriz) == [1, 2, 3, 4]
            and all(len(fila) == 4 for fila in matriz.values()),
            _("la matriz debe tener impactos 1..4 con 4 urgencias cada uno"))
    for impacto, fila in matriz.items():
        for urgencia, prioridad in enumerate(fila, start=1):
            _exigir("prioridad", prioridad in ("P1", "P2", "P3", "P4"),
                    _("prioridad inválida: %(p)s") % {"p": prioridad})
            ReglaPrioridad.objects.update_or_create(
                impacto=impacto, urgencia=urgencia, defaults={"prioridad": prioridad})
    Parametro.objects.update_or_create(
        clave="elevar_entidad_critica",
        defaults={"valor": bool(datos.get("elevar_entidad_critica", True)),
                  "descripcion": "Sube un nivel la prioridad de las entidades críticas."})
    Parametro.objects.update_or_create(
        clave="prioridad_inicial",
        defaults={"valor": datos.get("prioridad_inicial", "P3"),
                  "descripcion": "Prioridad de un incidente recién reportado, sin clasificar."})
    _marcar("prioridad", version, huella)
    return [_("matriz de prioridad v%(v)d") % {"v": version}]


# ---- SLA ------------------------------------------------------------------------------------

def _hora(valor) -> time | None:
    if valor is None:
        return None
    if isinstance(valor, int):  # YAML 1.1 reads 08:30 as sexagesimal minutes
        return time(valor // 60, valor % 60)
    horas, minutos = str(valor).split(":")
    return time(int(horas), int(minutos))


def cargar_sla(directorio: Path | None = None) -> list[str]:
    directorio = directorio or DIRECTORIO
    datos, huella = _leer(directorio / "sla.yaml")
    version = datos["version"]
    if not _decidir("sla", version, huella):
        return []
    calendarios = {}
    for cal in datos.get("calendarios") or []:
        continuo = bool(cal.get("continuo"))
        _exigir("sla", continuo or (cal.get("dias") and cal.get("desde") and cal.get("hasta")),
                _("el calendario %(c)s necesita días y horario") % {"c": cal.get("codigo")})
        calendarios[cal["codigo"]], _c = CalendarioLaboral.objects.update_or_create(
            codigo=cal["codigo"],
            defaults={"nombre": cal["nombre"], "continuo": continuo,
                      "zona": cal.get("zona", "America/La_Paz"), "dias": cal.get("dias", []),
                      "desde": _hora(cal.get("desde")), "hasta": _hora(cal.get("hasta")),
                      "feriados_pais": cal.get("feriados", "")})
    prioridades = set()
    for pol in datos.get("politicas") or []:
        _exigir("sla", pol.get("calendario") in calendarios,
                _("la política %(p)s usa un calendario inexistente") % {"p": pol.get("prioridad")})
        umbral = pol.get("umbral_advertencia", 0.75)
        _exigir("sla", 0 < umbral <= 1, _("umbral de advertencia fuera de (0, 1]"))
        objetivos = [pol.get(k) for k in ("acuse_min", "contencion_min", "resolucion_min")]
        _exigir("sla", all(isinstance(o, int) and o > 0 for o in objetivos),
                _("objetivos de la política %(p)s deben ser minutos > 0")
                % {"p": pol.get("prioridad")})
        prioridades.add(pol["prioridad"])
        PoliticaSLA.objects.update_or_create(
            prioridad=pol["prioridad"],
            defaults={"nombre": pol.get("nombre", pol["prioridad"]),
                      "calendario": calendarios[pol["calendario"]],
                      "acuse_min": objetivos[0], "contencion_min": objetivos[1],
                      "resolucion_min": objetivos[2], "umbral_advertencia": umbral,
                      "estados_pausa": pol.get("estados_pausa", []),
                      "escalar_advertencia": pol.get("escalar_advertencia", []),
                      "escalar_incumplimiento": pol.get("escalar_incumplimiento", [])})
    _exigir("sla", prioridades == {"P1", "P2", "P3", "P4"},
            _("debe haber una política por prioridad P1..P4"))
    for clave, (valor, descripcion) in PARAMETROS_POR_DEFECTO.items():
        valor = datos.get(clave, valor)
        Parametro.objects.update_or_create(clave=clave, defaults={"valor": valor,
                                                                   "descripcion": descripcion})
    _marcar("sla", version, huella)
    return [_("SLA v%(v)d: %(c)d calendarios, %(p)d políticas")
            % {"v": version, "c": len(calendarios), "p": len(prioridades)}]


def cargar_todo(stdout=None, directorio: Path | None = None) -> list[str]:
    directorio = directorio or DIRECTORIO
    """Protocols first: taxonomy types point at them."""
    return (cargar_protocolos(directorio) + cargar_taxonomia(directorio)
            + cargar_prioridad(directorio) + cargar_sla(directorio))
