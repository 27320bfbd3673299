import csv
import io
import subprocess
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from cgii.reportes import pdf, texto_csv, xlsx
from cgii.reportes.texto_csv import TablaInexistente

from .ejemplo import TITULO, documento_prueba


def _pdf_texto(contenido: bytes, tmp_path) -> str:
    ruta = tmp_path / "r.pdf"
    ruta.write_bytes(contenido)
    return subprocess.run(["/usr/bin/pdftotext", "-layout", str(ruta), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def test_pdf_titulo_paginas_corte_y_valores(tmp_path):
    contenido = pdf.renderizar_pdf(documento_prueba(filas_extra=80))
    assert contenido.startswith(b"%PDF")
    texto = _pdf_texto(contenido, tmp_path)
    assert TITULO in texto  # header margin box and the title (escaped in HTML and CSS)
    assert "Página 1 de" in texto
    assert "Datos al 31/03/2026 23:59" in texto
    assert "Generado el 01/04/2026 08:00" in texto  # 12:00 UTC shown in La Paz
    assert "62,5" in texto and "1 234" in texto.replace("\u202f", " ")
    assert "05/03/2026 14:30" in texto
    assert "Entidad número 80" in texto
    # The header row repeats on the pages the long table runs over.
    assert texto.count("Último reporte") >= 2


def test_pdf_sin_recursos_externos():
    html = pdf.html_pdf(documento_prueba())
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert '<html lang="es">' in html


def test_cadena_css_no_cierra_el_estilo():
    assert pdf.cadena_css('a"b\\c</style>\n') == 'a\\"b\\\\c\\3C /style>\\A '


def _libro():
    return load_workbook(io.BytesIO(xlsx.renderizar_xlsx(documento_prueba())))


def test_xlsx_hojas_portada_y_secciones():
    libro = _libro()
    assert libro.sheetnames == ["Portada", "Resumen general", "Detalle por entidad dominios"]
    portada = libro["Portada"]
    assert portada["A1"].value == TITULO
    valores = {portada.cell(row=f, column=1).value: portada.cell(row=f, column=2).value
               for f in range(1, portada.max_row + 1)}
    assert valores["Gestión"] == "2026"
    assert valores["Datos al"] == datetime(2026, 3, 31, 23, 59)
    assert valores["Generado el"] == datetime(2026, 4, 1, 8, 0)


def test_xlsx_numeros_reales_porcentajes_y_fechas():
    hoja = _libro()["Resumen general"]
    filas = {hoja.cell(row=f, column=1).value: hoja.cell(row=f, column=2)
             for f in range(1, hoja.max_row + 1)}
    assert filas["Incidentes atendidos"].value == 1234
    atencion = filas["Atención"]
    assert atencion.value == pytest.approx(0.625) and atencion.number_format == "0.0%"
    assert atencion.data_type == "n"
    assert filas["Tiempo medio de resolución"].value == 3.25
    assert filas["Tiempo medio de resolución"].number_format == "0.0"

    hoja = _libro()["Detalle por entidad dominios"]
    cabecera = next(f for f in range(1, hoja.max_row + 1)
                    if hoja.cell(row=f, column=1).value == "Entidad")
    assert hoja.cell(row=cabecera, column=1).font.bold
    minedu = [hoja.cell(row=cabecera + 1, column=c) for c in range(1, 7)]
    assert [c.value for c in minedu[:4]] == ["MINEDU", 12, 3.25, pytest.approx(0.625)]
    assert all(c.data_type == "n" for c in minedu[1:4])
    assert minedu[3].number_format == "0.0%"
    assert minedu[4].value == datetime(2026, 3, 5) and minedu[4].number_format == "DD/MM/YYYY"
    assert minedu[5].value == datetime(2026, 3, 5, 14, 30)  # 18:30 UTC → La Paz, naive
    assert minedu[5].number_format == "DD/MM/YYYY HH:MM"
    salud = [hoja.cell(row=cabecera + 2, column=c).value for c in range(1, 7)]
    assert salud[2] is None and salud[5] is None  # None stays empty, not "—"
    total = [hoja.cell(row=cabecera + 4, column=c) for c in range(1, 4)]
    assert total[0].value == "Total" and total[1].value == 1246 and total[1].font.bold
    # Filter buttons on the table (an Excel table over header + data rows, not totals).
    tablas = list(hoja.tables.values())
    assert [t.ref for t in tablas] == [f"A{cabecera}:F{cabecera + 3}"]
    assert hoja.freeze_panes == f"B{cabecera + 1}"
    assert hoja.column_dimensions["A"].width > 20


def test_nombres_de_hoja_validos_y_unicos():
    usados = set()
    assert xlsx.nombre_hoja("Portada", usados) == "Portada"
    assert xlsx.nombre_hoja("portada", usados) == "portada (2)"
    largo = xlsx.nombre_hoja("Un título de sección larguísimo: [A.5]/controles*?", usados)
    assert len(largo) <= 31 and not set("[]:*?/\\") & set(largo)
    assert xlsx.nombre_hoja("[]:*", usados) == "Sección"


def test_csv_valores_crudos():
    texto = texto_csv.renderizar_csv(documento_prueba(), "entidades")
    filas = list(csv.reader(io.StringIO(texto)))
    assert filas[0] == ["Entidad", "Incidentes", "Días", "Cumplimiento", "Aprobado",
                        "Último reporte"]
    assert filas[1] == ["MINEDU", "12", "3.25", "62.5", "2026-03-05",
                        "2026-03-05T14:30:00-04:00"]
    assert filas[2][1:4] == ["1234", "", "100"]
    assert filas[3][2] == "7.5"
    assert filas[-1][:3] == ["Total", "1246", "5.4"]
    assert texto.endswith("\r\n")


def test_csv_tabla_inexistente():
    with pytest.raises(TablaInexistente):
        texto_csv.renderizar_csv(documento_prueba(), "no-existe")


def test_valor_csv():
    assert texto_csv.valor_csv(date(2026, 1, 2)) == "2026-01-02"
    assert texto_csv.valor_csv(None) == ""
    assert texto_csv.valor_csv(3.0) == "3"


def test_pdf_mapa_de_calor_alto_no_pierde_filas(tmp_path):
    from cgii.reportes.documento import Grafico, Seccion, Serie

    documento = documento_prueba()
    documento.secciones = [Seccion("mapa", "Mapa", graficos=[Grafico(
        "mapa_calor", "Entidad × dominio", ["A.5", "A.6"],
        [Serie(f"ENT{i:03d}", [float(i % 100), 50.0]) for i in range(100)],
        formato="porcentaje", maximo=100)])]
    texto = _pdf_texto(pdf.renderizar_pdf(documento), tmp_path)
    assert "ENT000" in texto and "ENT099" in texto
    assert "Página 3 de" in texto or "Página 2 de" in texto
