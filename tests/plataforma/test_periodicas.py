"""Each periodic job is declared once (an app's periodicas.py) and read by both runners:
Celery beat (full stack) and the embedded ticker."""

from cgii import periodicas
from cgii.celery import app

ESPERADAS = {"incidentes.sla", "incidentes.autocierre", "pisi.plazos", "reportes.purgar",
             "fuentes.consolidar"}


def test_beat_y_el_ticker_leen_las_mismas_declaraciones(monkeypatch, db):
    declaradas = {p.nombre: p for p in periodicas.declaradas()}
    assert ESPERADAS <= set(declaradas)
    app.loader.import_default_modules()  # what beat does at start-up
    calendario = app.conf.beat_schedule or {}
    for nombre in ESPERADAS:
        entrada = calendario[nombre]
        assert entrada["task"] == "cgii.periodica" and entrada["args"] == (nombre,)
        assert entrada["schedule"] == declaradas[nombre].cada_segundos
    # The ticker runs each one once its period has elapsed, and not before.
    corridas = []
    monkeypatch.setattr(periodicas, "import_string",
                        lambda ruta: (lambda: corridas.append(ruta)))
    monkeypatch.setattr(periodicas, "_proximas", {})
    assert periodicas.ejecutar_vencidas(ahora=1000.0) == []
    hechas = periodicas.ejecutar_vencidas(ahora=1000.0 + 7 * 3600)
    assert set(hechas) >= ESPERADAS
    assert sorted(corridas) == sorted(declaradas[n].funcion for n in hechas)
    assert periodicas.ejecutar_vencidas(ahora=1000.0 + 7 * 3600) == []


def test_la_tarea_de_beat_ejecuta_la_declarada_por_su_nombre(monkeypatch):
    llamadas = []
    monkeypatch.setattr(periodicas, "import_string", lambda ruta: (lambda: llamadas.append(ruta)))
    from cgii.celery import periodica

    periodica.apply(args=("pisi.plazos",)).get()
    assert llamadas == ["planes_seguridad.services.barrido.plazos_barrido"]
