"""A hand-built report document exercising every value format and chart type."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from cgii.reportes.documento import (
    Cifra,
    Columna,
    Documento,
    Grafico,
    Seccion,
    Serie,
    Tabla,
)

UTC = ZoneInfo("UTC")
TITULO = "Reporte de prueba <CGII> & «compañía»"


def documento_prueba(*, filas_extra: int = 0) -> Documento:
    filas = [
        ["MINEDU", 12, 3.25, 62.5, date(2026, 3, 5), datetime(2026, 3, 5, 18, 30, tzinfo=UTC)],
        ["Ministerio de Salud y Deportes del Estado Plurinacional", 1234, None, 100,
         date(2026, 1, 31), None],
        ["AGETIC", 0, Decimal("7.5"), None, None, datetime(2026, 2, 1, 3, 15, tzinfo=UTC)],
    ]
    for i in range(filas_extra):
        filas.append([f"Entidad número {i + 4}", i * 7, i / 3, (i * 13) % 101,
                      date(2026, 1 + i % 12, 1 + i % 28), datetime(2026, 1, 1, tzinfo=UTC)])
    return Documento(
        tipo="prueba",
        titulo=TITULO,
        subtitulo="Gestión 2026 — documento de prueba",
        parametros=[("Gestión", "2026"), ("Entidad", "Todas")],
        corte=datetime(2026, 3, 31, 23, 59, tzinfo=ZoneInfo("America/La_Paz")),
        generado_en=datetime(2026, 4, 1, 12, 0, tzinfo=UTC),
        nombre_archivo="prueba-2026",
        secciones=[
            Seccion(
                clave="resumen",
                titulo="Resumen general",
                texto="Cifras principales del periodo.",
                cifras=[
                    Cifra("Incidentes atendidos", 1234),
                    Cifra("Atención", 62.5, "porcentaje", meta=100, nota="Meta legal"),
                    Cifra("Tiempo medio de resolución", 3.25, "dias"),
                    Cifra("Primera respuesta", 5.5, "horas"),
                ],
                graficos=[
                    Grafico("barras", "Incidentes por mes", ["Enero", "Febrero", "Marzo"],
                            [Serie("Reportados", [10, 25, 7]), Serie("Cerrados", [8, 20, None])],
                            meta=20),
                    Grafico("barras_horizontales", "Ranking de entidades",
                            ["MINEDU", "Ministerio de Salud y Deportes del Estado Plurinacional",
                             "AGETIC"], [Serie("Cumplimiento", [62.5, 100, 12])],
                            formato="porcentaje", maximo=100, meta=80),
                    Grafico("lineas", "Tendencia mensual", ["Ene", "Feb", "Mar", "Abr"],
                            [Serie("Atención", [50, 62.5, None, 90]),
                             Serie("Meta interna", [60, 70, 80, 90])],
                            formato="porcentaje", maximo=100),
                ],
            ),
            Seccion(
                clave="detalle",
                titulo="Detalle por entidad: [dominios] / controles*",
                graficos=[
                    Grafico("mapa_calor", "Cumplimiento por dominio",
                            ["A.5 Políticas", "A.6 Organización", "A.8 Activos"],
                            [Serie("MINEDU", [100, 50, None]), Serie("AGETIC", [0, 75.5, 25])],
                            formato="porcentaje", maximo=100),
                ],
                tablas=[
                    Tabla(
                        clave="entidades",
                        titulo="Entidades",
                        columnas=[Columna("Entidad"), Columna("Incidentes", "entero"),
                                  Columna("Días", "dias"), Columna("Cumplimiento", "porcentaje"),
                                  Columna("Aprobado", "fecha"),
                                  Columna("Último reporte", "fecha_hora")],
                        filas=filas,
                        total=["Total", 1246, 5.4, 81.25, None, None],
                        nota="Fuente: registros del CGII.",
                    ),
                ],
            ),
        ],
    )
