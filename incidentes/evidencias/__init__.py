"""Evidence beyond storage and download: the sandboxed preview (``vista_previa``) and the
indicators an uploaded ``.eml`` sample proposes (``candidatos``). docs/incidentes.md."""
