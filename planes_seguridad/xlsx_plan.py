"""The PISI workbook: the template entities fill with the plan they already keep in
spreadsheets, and the same format exported from the platform (so an export can be edited
and imported back).

Sheets: «Instrucciones», «Activos», «Riesgos», «Aplicabilidad», «Cronograma», and a hidden
«Listas» with the values the data validations offer (asset types, classifications,
treatments, statuses, the threat and vulnerability codes in force). Values are read the way
people write them: codes or labels for choices («software» or «Aplicación (software)»),
«Sí»/«No» for applicability, real dates or AAAA-MM-DD / DD/MM/AAAA text, numbers or digits.
Computed columns (levels, the MAE's acceptance, titles) are written on export and ignored
on import.

``leer`` only parses and types each row (per-row errors with sheet, Excel row and column);
every rule of the plan is the import service's, which runs the same code as the pages.
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from cgii.celdas import texto_celda

from .models import Clasificacion, EstadoImplementacion, TipoActivo, Tratamiento

VERSION_FORMATO = 1
MAX_FILAS = 2000
NEGRITA = Font(bold=True)
CABECERA = PatternFill("solid", fgColor="EEF1F5")
CALCULADA = PatternFill("solid", fgColor="F6F6F6")


@dataclass(frozen=True)
class Columna:
    titulo: str
    campo: str
    tipo: str = "texto"  # texto | entero | fecha | opcion | aplica | lista
    opciones: object = None  # TextChoices for "opcion"
    ancho: int = 18
    calculada: bool = False  # written on export, ignored on import
    lista: str = ""  # name of the «Listas» column its validation offers


ACTIVOS = (
    Columna("Código", "codigo", ancho=10),
    Columna("Nombre", "nombre", ancho=34),
    Columna("Tipo", "tipo", "opcion", TipoActivo, lista="tipos"),
    Columna("Propietario", "propietario", ancho=24),
    Columna("Ubicación", "ubicacion", ancho=22),
    Columna("Clasificación", "clasificacion", "opcion", Clasificacion, lista="clasificaciones"),
    Columna("C (1-5)", "valor_c", "entero", ancho=8),
    Columna("I (1-5)", "valor_i", "entero", ancho=8),
    Columna("D (1-5)", "valor_d", "entero", ancho=8),
    Columna("Descripción", "descripcion", ancho=40),
)
RIESGOS = (
    Columna("Código", "codigo", ancho=10),
    Columna("Activo (código)", "activo", ancho=14),
    Columna("Amenaza (código MAGERIT)", "amenaza", ancho=14, lista="amenazas"),
    Columna("Vulnerabilidad (código)", "vulnerabilidad", ancho=14, lista="vulnerabilidades"),
    Columna("Escenario", "descripcion", ancho=40),
    Columna("Probabilidad", "probabilidad", "entero", ancho=12),
    Columna("Impacto", "impacto", "entero", ancho=10),
    Columna("Tratamiento", "tratamiento", "opcion", Tratamiento, lista="tratamientos"),
    Columna("Detalle del tratamiento", "detalle_tratamiento", ancho=34),
    Columna("Responsable", "responsable", ancho=20),
    Columna("Controles (números)", "controles", "lista", ancho=22),
    Columna("Actividades (ref.)", "actividades", "lista", ancho=16),
    Columna("Probabilidad residual", "probabilidad_residual", "entero", ancho=12),
    Columna("Impacto residual", "impacto_residual", "entero", ancho=12),
    Columna("Nivel inherente (calculado)", "nivel", calculada=True, ancho=14),
    Columna("Nivel residual (calculado)", "nivel_residual", calculada=True, ancho=14),
    Columna("Aceptado por la MAE (calculado)", "aceptado", calculada=True, ancho=22),
)
APLICABILIDAD = (
    Columna("Control", "control", ancho=10),
    Columna("Título (referencia)", "titulo", calculada=True, ancho=44),
    Columna("Mínimo (referencia)", "minimo", calculada=True, ancho=10),
    Columna("Aplica (Sí/No)", "aplica", "aplica", ancho=10, lista="aplica"),
    Columna("Justificación", "justificacion", ancho=44),
    Columna("Estado de implementación", "estado_implementacion", "opcion",
            EstadoImplementacion, lista="estados"),
    Columna("Madurez (0-5)", "madurez", "entero", ancho=10),
    Columna("Responsable", "responsable", ancho=20),
    Columna("Fecha objetivo", "fecha_objetivo", "fecha", ancho=14),
)
CRONOGRAMA = (
    Columna("Ref.", "ref", ancho=8),
    Columna("Actividad", "titulo", ancho=34),
    Columna("Descripción", "descripcion", ancho=34),
    Columna("Responsable", "responsable", ancho=20),
    Columna("Inicio planificado", "inicio_planificado", "fecha", ancho=14),
    Columna("Fin planificado", "fin_planificado", "fecha", ancho=14),
    Columna("Inicio real", "inicio_real", "fecha", ancho=14),
    Columna("Fin real", "fin_real", "fecha", ancho=14),
    Columna("Avance %", "avance", "entero", ancho=10),
    Columna("Controles (números)", "controles", "lista", ancho=22),
)
HOJAS = {"Activos": ACTIVOS, "Riesgos": RIESGOS, "Aplicabilidad": APLICABILIDAD,
         "Cronograma": CRONOGRAMA}
INSTRUCCIONES = (
    "Plantilla PISI — formato %(v)d. Una fila por activo, riesgo, control y actividad.",
    "Activos: código único (A-01…); tipo y clasificación de la lista; C, I y D de 1 a 5.",
    "Riesgos: el activo por su código, la amenaza por su código MAGERIT (A.24…), la "
    "vulnerabilidad por su código (V.TEC.1…). El nivel sale de la matriz del plan. El riesgo "
    "residual solo con tratamiento. Controles: números separados por coma. Actividades: "
    "referencias de la hoja Cronograma.",
    "Aplicabilidad: una fila por control; Aplica Sí o No, con la justificación de la inclusión "
    "o la exclusión. Un control mínimo no puede excluirse.",
    "Cronograma: la referencia une cada actividad con los riesgos; al exportar es el número "
    "interno de la actividad (consérvelo para actualizarla).",
    "Al importar, activos, riesgos y actividades que no estén en el archivo se eliminan; los "
    "controles que no estén en la hoja Aplicabilidad no cambian. Si alguna fila tiene un error "
    "no se guarda nada y se informa cada error con su hoja, fila y columna.",
    "Las columnas «(calculado)» y «(referencia)» se ignoran al importar.",
)


# ---- writing --------------------------------------------------------------------------------

def _valor_escrito(col: Columna, valor):
    if valor is None or valor == "":
        return None
    if col.tipo == "aplica":
        return _("Sí") if valor else _("No")
    if col.tipo == "opcion":
        return str(dict(col.opciones.choices).get(valor, valor))
    if col.tipo == "lista":
        return ", ".join(map(str, valor))
    if isinstance(valor, bool):
        return _("Sí") if valor else ""
    return texto_celda(valor) if isinstance(valor, str) else valor


def _listas(amenazas, vulnerabilidades) -> dict[str, list[str]]:
    return {
        "tipos": [str(t.label) for t in TipoActivo],
        "clasificaciones": [str(c.label) for c in Clasificacion],
        "tratamientos": [str(t.label) for t in Tratamiento],
        "estados": [str(e.label) for e in EstadoImplementacion],
        "aplica": [_("Sí"), _("No")],
        "amenazas": list(amenazas),
        "vulnerabilidades": list(vulnerabilidades),
    }


def escribir(filas: dict[str, list[dict]], *, amenazas=(), vulnerabilidades=(),
             titulo: str = "") -> bytes:
    """The workbook with ``filas`` per sheet (empty lists: the blank template)."""
    libro = Workbook()
    inst = libro.active
    inst.title = "Instrucciones"
    inst["A1"] = titulo or _("Plan Institucional de Seguridad de la Información")
    inst["A1"].font = Font(bold=True, size=14, color="083A66")
    for i, linea in enumerate(INSTRUCCIONES, start=3):
        inst.cell(row=i, column=1, value=linea % {"v": VERSION_FORMATO} if "%(v)" in linea
                  else linea).alignment = Alignment(wrap_text=True)
    inst.column_dimensions["A"].width = 120
    listas = libro.create_sheet("Listas")
    columnas_lista = {}
    for j, (nombre, valores) in enumerate(_listas(amenazas, vulnerabilidades).items(), 1):
        listas.cell(row=1, column=j, value=nombre).font = NEGRITA
        for i, v in enumerate(valores, start=2):
            listas.cell(row=i, column=j, value=v)
        letra = get_column_letter(j)
        columnas_lista[nombre] = f"Listas!${letra}$2:${letra}${max(len(valores), 1) + 1}"
    listas.sheet_state = "hidden"
    for nombre, columnas in HOJAS.items():
        hoja = libro.create_sheet(nombre)
        for j, col in enumerate(columnas, start=1):
            celda = hoja.cell(row=1, column=j, value=col.titulo)
            celda.font, celda.fill = NEGRITA, CABECERA
            hoja.column_dimensions[get_column_letter(j)].width = col.ancho
            if col.lista:
                validacion = DataValidation(type="list", formula1=columnas_lista[col.lista],
                                            allow_blank=True, showErrorMessage=False)
                validacion.add(f"{get_column_letter(j)}2:{get_column_letter(j)}{MAX_FILAS + 1}")
                hoja.add_data_validation(validacion)
        for i, fila in enumerate(filas.get(nombre, []), start=2):
            for j, col in enumerate(columnas, start=1):
                celda = hoja.cell(row=i, column=j, value=_valor_escrito(col, fila.get(col.campo)))
                if col.tipo == "fecha" and celda.value is not None:
                    celda.number_format = "DD/MM/YYYY"
                if col.calculada:
                    celda.fill = CALCULADA
        hoja.freeze_panes = "A2"
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


# ---- reading --------------------------------------------------------------------------------

@dataclass
class FilaLeida:
    hoja: str
    numero: int  # the Excel row number, as the person sees it
    datos: dict


@dataclass
class Lectura:
    hojas: dict[str, list[FilaLeida]] = field(default_factory=dict)  # present sheets only
    errores: list[dict] = field(default_factory=list)

    def error(self, hoja: str, numero: int | None, columna: str, mensaje: str) -> None:
        self.errores.append({"hoja": hoja, "fila": numero, "columna": columna,
                             "mensaje": mensaje})


def _texto(valor) -> str:
    if valor is None:
        return ""
    if isinstance(valor, float) and valor.is_integer():
        valor = int(valor)
    return str(valor).strip()


def _convertir(col: Columna, valor):
    """(value, error message or None)."""
    if col.tipo == "texto":
        return _texto(valor), None
    if valor is None or _texto(valor) == "":
        return None, None
    if col.tipo == "entero":
        if isinstance(valor, bool):
            return None, _("Debe ser un número entero.")
        if isinstance(valor, int | float) and float(valor).is_integer():
            return int(valor), None
        texto = _texto(valor)
        return (int(texto), None) if texto.isdigit() else (None, _("Debe ser un número entero."))
    if col.tipo == "fecha":
        if isinstance(valor, datetime):
            return valor.date(), None
        if isinstance(valor, date):
            return valor, None
        texto = _texto(valor)
        fecha = parse_date(texto)
        if fecha is None and texto.count("/") == 2:
            d, m, a = texto.split("/")
            fecha = parse_date(f"{a}-{m.zfill(2)}-{d.zfill(2)}") if a.isdigit() else None
        return (fecha, None) if fecha else (None, _("Fecha no válida (DD/MM/AAAA)."))
    if col.tipo == "aplica":
        texto = _texto(valor).lower()
        if texto in ("sí", "si", "s", "x", "1", "true", "verdadero"):
            return True, None
        if texto in ("no", "n", "0", "false", "falso"):
            return False, None
        return None, _("Escriba Sí o No.")
    if col.tipo == "opcion":
        texto = _texto(valor)
        for codigo, etiqueta in col.opciones.choices:
            if texto.lower() in (codigo.lower(), str(etiqueta).lower()):
                return codigo, None
        return None, _("Valor no válido; use uno de la lista: %(v)s.") % {
            "v": ", ".join(str(e) for _c, e in col.opciones.choices)}
    # lista: "12.3.1, 17.1.2"
    return [x.strip() for x in _texto(valor).replace(";", ",").split(",") if x.strip()], None


def leer(contenido: bytes) -> Lectura:
    """Parse and type every row of the present sheets; per-row errors, nothing else."""
    lectura = Lectura()
    try:
        libro = load_workbook(io.BytesIO(contenido), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        lectura.error("", None, "", _("El archivo no es un libro XLSX válido."))
        return lectura
    try:
        presentes = [n for n in HOJAS if n in libro.sheetnames]
        if not presentes:
            lectura.error("", None, "", _("El libro no tiene ninguna de las hojas de la "
                                          "plantilla (%(h)s).") % {"h": ", ".join(HOJAS)})
        for nombre in presentes:
            lectura.hojas[nombre] = _leer_hoja(libro[nombre], nombre, HOJAS[nombre], lectura)
    finally:
        libro.close()
    return lectura


def _leer_hoja(hoja, nombre: str, columnas, lectura: Lectura) -> list[FilaLeida]:
    filas = hoja.iter_rows(values_only=True)
    cabecera = [_texto(v) for v in next(filas, ())]
    posicion = {}
    for col in columnas:
        if col.titulo in cabecera:
            posicion[col.campo] = cabecera.index(col.titulo)
        elif not col.calculada:
            lectura.error(nombre, 1, col.titulo, _("Falta la columna."))
    if any(e["hoja"] == nombre for e in lectura.errores):
        return []
    salida = []
    for numero, valores in enumerate(filas, start=2):
        if numero > MAX_FILAS + 1:
            lectura.error(nombre, numero, "", _("Máximo %(n)d filas por hoja.") % {"n": MAX_FILAS})
            break
        if all(v is None or _texto(v) == "" for v in valores):
            continue  # blank rows are not rows
        datos = {}
        for col in columnas:
            if col.calculada or col.campo not in posicion:
                continue
            i = posicion[col.campo]
            valor, error = _convertir(col, valores[i] if i < len(valores) else None)
            if error:
                lectura.error(nombre, numero, col.titulo, error)
            datos[col.campo] = valor
        salida.append(FilaLeida(hoja=nombre, numero=numero, datos=datos))
    return salida


def columna_de(hoja: str, campo: str) -> str:
    """The column title of a service field (for errors the service reports by field)."""
    return next((c.titulo for c in HOJAS.get(hoja, ()) if c.campo == campo), campo)
