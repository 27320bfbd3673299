"""PISI reports (issue 8 §1, §2): figures computed from frozen snapshots and recorded dates,
turned into ``cgii.reportes.documento.Documento`` objects that the generic renderers show.

- ``cumplimiento.figuras_cumplimiento``: one entity's plan and follow-up period.
- ``nacional.figuras_nacional``: every entity for one gestión (CGII staff only).
- ``tablero``: the small figures of the PISI dashboards.
- ``documentos``: figures → Documento; ``formularios``: the report parameters;
  ``registro``: the two report types registered from ``apps.py``.

Definitions of every figure: docs/reportes.md, section "PISI compliance and national reports".
"""
