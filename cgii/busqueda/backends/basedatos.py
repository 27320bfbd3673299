"""``database`` backend: PostgreSQL full text (Spanish configuration, weighted fields,
``websearch_to_tsquery``, ``ts_rank``, ``ts_headline``) over the denormalised
``busqueda_documento`` table, plus pg_trgm for partial matches; ``icontains`` on SQLite.

Visibility is part of every SQL statement (rows, count, facets, highlights): entity users
only reach rows whose ``entidades`` contain one of theirs and that are not ``solo_personal``,
and never match, count or see ``interno``.
"""

from __future__ import annotations

import json
import re

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cgii.bd.replica import conexion_lectura, leer_de_replica

from .. import conf, registro
from ..documentos import (
    FIN_MARCA,
    INICIO_MARCA,
    Acierto,
    Consulta,
    Documento,
    Resultados,
    ValorFaceta,
)
from ..models import DocumentoBusqueda
from ..resaltado import resaltar_simple
from . import Backend, Progreso

TABLA = DocumentoBusqueda._meta.db_table
COLUMNA_FACETA = {"tipo": "tipo", "estado": "estado", "prioridad": "prioridad",
                  "categoria": "categoria", "entidad": "entidad_id", "anio": "anio", "tlp": "tlp"}
FACETAS_ENTERAS = {"entidad", "anio"}
CAMPOS_ACIERTO = ("id", "tipo", "objeto_id", "entidad_id", "clave", "titulo", "estado",
                  "prioridad", "categoria", "tlp", "anio", "fecha", "datos")
OPCIONES_TITULAR = (f'StartSel="{INICIO_MARCA}", StopSel="{FIN_MARCA}", HighlightAll=true')
OPCIONES_FRAGMENTO = (f'StartSel="{INICIO_MARCA}", StopSel="{FIN_MARCA}", MaxWords=28, '
                      'MinWords=10, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "')
VECTOR_SQL = (
    "setweight(to_tsvector('simple', {p}clave), 'A') || "
    "setweight(to_tsvector('spanish', {p}titulo), 'A') || "
    "setweight(to_tsvector('spanish', {p}texto), 'B') || "
    "setweight(to_tsvector('spanish', {p}mensajes), 'C')"
)
VECTOR_INTERNO_SQL = ("CASE WHEN {p}interno = '' THEN NULL "
                      "ELSE setweight(to_tsvector('spanish', {p}interno), 'C') END")
COLUMNAS = ("tipo", "objeto_id", "entidad_id", "entidades", "solo_personal", "clave", "titulo",
            "texto", "mensajes", "interno", "estado", "prioridad", "categoria", "tlp", "anio",
            "fecha", "datos")
TIPOS_SQL = {"tipo": "text", "objeto_id": "bigint", "entidad_id": "bigint", "entidades": "text",
             "solo_personal": "boolean", "clave": "text", "titulo": "text", "texto": "text",
             "mensajes": "text", "interno": "text", "estado": "text", "prioridad": "text",
             "categoria": "text", "tlp": "text", "anio": "integer", "fecha": "timestamptz",
             "datos": "text"}
_UNA_PALABRA = re.compile(r"^[^\s\"']{3,}$")


def _es_postgres() -> bool:
    return connection.vendor == "postgresql"


def _fila(d: Documento) -> dict:
    return {"tipo": d.tipo, "objeto_id": d.objeto_id, "entidad_id": d.entidad_id,
            "entidades": list(d.entidades), "solo_personal": d.solo_personal, "clave": d.clave,
            "titulo": d.titulo, "texto": d.texto, "mensajes": d.mensajes, "interno": d.interno,
            "estado": d.estado, "prioridad": d.prioridad, "categoria": d.categoria,
            "tlp": d.tlp, "anio": d.anio, "fecha": d.fecha, "datos": d.datos}


def _json(valor):
    """json columns of a raw cursor: decoded by psycopg, or left as text by Django."""
    if valor is None:
        return []
    return json.loads(valor) if isinstance(valor, str) else valor


def _escapar_like(texto: str) -> str:
    return texto.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class BackendBaseDatos(Backend):
    nombre = "database"

    # ---- writes ---------------------------------------------------------------------------

    def escribir(self, documentos: list[Documento], borrar: list[str]) -> None:
        with transaction.atomic():
            if borrar:
                por_tipo: dict[str, list[int]] = {}
                for clave in borrar:
                    tipo, _sep, objeto = clave.partition(":")
                    por_tipo.setdefault(tipo, []).append(int(objeto))
                filtro = Q()
                for tipo, ids in por_tipo.items():
                    filtro |= Q(tipo=tipo, objeto_id__in=ids)
                DocumentoBusqueda.objects.filter(filtro).delete()
            unicos = list({d.id: d for d in documentos}.values())
            for i in range(0, len(unicos), 2000):
                trozo = unicos[i:i + 2000]
                if _es_postgres():
                    self._upsert_postgres(trozo)
                else:
                    self._upsert_orm(trozo)

    def _upsert_postgres(self, documentos: list[Documento]) -> None:
        """One INSERT … SELECT FROM unnest(…) ON CONFLICT: the vectors are computed in the
        same statement (no second UPDATE pass, no dead tuples)."""
        filas = [_fila(d) for d in documentos]
        arreglos = []
        for col in COLUMNAS:
            valores = [f[col] for f in filas]
            if col in ("entidades", "datos"):
                valores = [json.dumps(v, default=str) for v in valores]
            arreglos.append(valores)
        unnest = ", ".join(f"%s::{TIPOS_SQL[c]}[]" for c in COLUMNAS)
        seleccion = ", ".join(
            f"t.{c}::jsonb" if c in ("entidades", "datos") else f"t.{c}" for c in COLUMNAS)
        actualizar = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNAS[2:])
        sql = (
            f"INSERT INTO {TABLA} ({', '.join(COLUMNAS)}, vector, vector_interno, actualizado) "
            f"SELECT {seleccion}, {VECTOR_SQL.format(p='t.')}, "
            f"{VECTOR_INTERNO_SQL.format(p='t.')}, now() "
            f"FROM unnest({unnest}) AS t({', '.join(COLUMNAS)}) "
            f"ON CONFLICT (tipo, objeto_id) DO UPDATE SET {actualizar}, "
            "vector = EXCLUDED.vector, vector_interno = EXCLUDED.vector_interno, "
            "actualizado = now()"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, arreglos)

    def _upsert_orm(self, documentos: list[Documento]) -> None:
        DocumentoBusqueda.objects.bulk_create(
            [DocumentoBusqueda(**_fila(d)) for d in documentos],
            update_conflicts=True, unique_fields=["tipo", "objeto_id"],
            update_fields=list(COLUMNAS[2:]) + ["actualizado"],
        )

    # ---- reads ----------------------------------------------------------------------------

    @leer_de_replica
    def buscar(self, consulta: Consulta) -> Resultados:
        if consulta.alcance.nada:
            return Resultados(total=0, aciertos=[], facetas={}, pagina=consulta.pagina,
                              por_pagina=consulta.por_pagina, backend=self.nombre,
                              texto=consulta.texto)
        if _es_postgres():
            return self._buscar_postgres(consulta)
        return self._buscar_orm(consulta)

    # PostgreSQL ------------------------------------------------------------------------------

    def _condiciones(self, c: Consulta) -> tuple[list[str], list, dict]:
        """WHERE parts + params shared by the page, count/facets and headline statements
        (visibility and filters), and the text part apart (``extra``: ``texto``, the match
        condition without the exact keys and its params, ``prefijo``) because the text
        statement reads exact keys and the other matches in two branches."""
        donde: list[str] = []
        params: list = []
        entidad, params_entidad = "", []
        if not c.alcance.personal:
            donde.append("NOT d.solo_personal")
            partes = []
            for entidad_id in sorted(c.alcance.entidades):
                partes.append("d.entidades @> %s::jsonb")
                params_entidad.append(json.dumps([entidad_id]))
            entidad = "(" + " OR ".join(partes) + ")"
            donde.append(entidad)
            params.extend(params_entidad)
        if c.tipos:
            donde.append("d.tipo = ANY(%s)")
            params.append(list(c.tipos))
        for faceta, valores in c.filtros.items():
            columna = COLUMNA_FACETA.get(faceta)
            if columna is None or not valores:
                continue
            if faceta in FACETAS_ENTERAS:
                enteros = [int(v) for v in valores if str(v).lstrip("-").isdigit()]
                donde.append(f"d.{columna} = ANY(%s::bigint[])")
                params.append(enteros)
            else:
                donde.append(f"d.{columna} = ANY(%s)")
                params.append([str(v) for v in valores])
        texto = c.texto.strip()
        extra: dict = {}
        if texto:
            coincide = ["d.vector @@ websearch_to_tsquery('spanish', %s)"]
            params_texto = [texto]
            if c.alcance.personal:
                coincide.append("d.vector_interno @@ websearch_to_tsquery('spanish', %s)")
                params_texto.append(texto)
            if _UNA_PALABRA.match(texto) and not c.clave_reconocida:
                # pg_trgm: a key that starts with the text (IP range, hash prefix, code), a
                # title that contains it (a word fragment: "phish", "ransom"). Not for a
                # text a normaliser recognised (a whole IOC or code): its exact key is the
                # answer, and the trigrams of a URL or an IP ("htt", "://", ".1.") are in
                # millions of keys (50-110 ms per scan at 11M documents).
                extra["prefijo"] = _escapar_like(texto) + "%"
                coincide.append("d.clave ILIKE %s")
                params_texto.append(extra["prefijo"])
                if len(texto) >= 4:
                    coincide.append("d.titulo ILIKE %s")
                    params_texto.append("%" + _escapar_like(texto) + "%")
            extra["texto"] = texto
            extra["coincide"] = "(" + " OR ".join(coincide) + ")"
            extra["params_coincide"] = params_texto
            if entidad:
                # The entity inside each arm, and nowhere else in the candidate branches: each
                # arm is then one scan of a multicolumn GIN index led by ``entidades``
                # (migration 0003), which intersects the two conditions in the index. With the
                # entity also a top-level condition the planner may build the entity's whole
                # bitmap (384,000 rows, ~100 ms) and filter the text on the heap.
                # The planner factors a condition repeated in every arm of an OR back out
                # of it (prepqual.c), so arm k names the entity k + 1 times: '[1, 1]' is the
                # same containment as '[1]' (and the same index keys), but not the same text.
                # (every arm here has one parameter: the text, the prefix or the fragment)
                extra["coincide"] = "(" + " OR ".join(f"({entidad} AND {a})" for a in coincide) + ")"
                extra["params_coincide"] = [
                    v for k, valor in enumerate(params_texto)
                    for v in (*(json.dumps(json.loads(e) * (k + 1)) for e in params_entidad),
                              valor)]
                extra["entidad"] = (entidad, len(params_entidad))
        return donde, params, extra

    def _buscar_postgres(self, c: Consulta) -> Resultados:
        donde, params, extra = self._condiciones(c)
        exacto = True
        if "texto" in extra:
            filas, filas_facetas, vistos = self._buscar_texto(c, donde, params, extra)
            exacto = vistos <= conf.TOPE_CANDIDATOS
        else:
            filas, filas_facetas = self._navegar(c, " AND ".join(donde) or "TRUE", params)
        total, facetas = self._leer_facetas(filas_facetas)
        aciertos = [self._acierto(f) for f in filas]
        if "texto" in extra and aciertos:
            self._titulares_postgres(aciertos, c, extra["texto"])
        return Resultados(total=total, aciertos=aciertos, facetas=facetas, pagina=c.pagina,
                          por_pagina=c.por_pagina, backend=self.nombre, texto=c.texto,
                          total_exacto=exacto)

    def _buscar_texto(self, c: Consulta, donde: list[str], params: list, extra: dict):
        """One statement over a capped candidate set ``m``: the documents whose key is one
        of the exact keys (always), then at most ``TOPE_CANDIDATOS`` other matches, those of
        the last ``ANIOS_RECIENTES`` years first, each part in the order the GIN bitmap
        gives them (storage order: a ``LIMIT`` without ``ORDER BY`` lets the bitmap heap
        scan stop early). Rank, page, facets and total are computed on
        ``m``; the third column says how many candidates were seen (more than the cap: the
        total is "more than"). Ranking every match read each one's heap row and detoasted
        tsvector: 83,000 rows for a common word at 11M documents, 300-800 ms."""
        tope = conf.TOPE_CANDIDATOS
        rango = ["ts_rank(d.vector, websearch_to_tsquery('spanish', %s))"]
        params_rango = [extra["texto"]]
        if c.alcance.personal:
            rango.append("0.5 * coalesce(ts_rank(d.vector_interno, "
                         "websearch_to_tsquery('spanish', %s)), 0)")
            params_rango.append(extra["texto"])
        if c.claves:
            rango.append("CASE WHEN d.clave = ANY(%s) THEN 10 ELSE 0 END")
            params_rango.append(list(c.claves))
        if "prefijo" in extra:
            rango.append("CASE WHEN d.clave ILIKE %s THEN 1 ELSE 0 END")
            params_rango.append(extra["prefijo"])
        columnas_faceta = list(COLUMNA_FACETA.values())
        columnas_m = (f"d.id, d.fecha, "
                      f"{', '.join(f'd.{col}' for col in columnas_faceta if col != 'fecha')}, "
                      f"({' + '.join(rango)}) AS puntaje")
        visibles = "".join(f"{parte} AND " for parte in donde)
        # The candidates' branches: the entity is inside each arm of ``coincide`` already.
        entidad, n_entidad = extra.get("entidad", ("", 0))
        visibles_c = "".join(f"{parte} AND " for parte in donde if parte != entidad)
        params_c = params[n_entidad:]
        ramas, params_ramas = [], []
        if c.claves:
            ramas.append(f"SELECT {columnas_m}, TRUE AS exacto FROM {TABLA} d "
                         f"WHERE {visibles}d.clave = ANY(%s)")
            params_ramas += params_rango + params + [list(c.claves)]
            otras = f"{extra['coincide']} AND d.clave <> ALL(%s)"
            params_otras = extra["params_coincide"] + [list(c.claves)]
        else:
            otras, params_otras = extra["coincide"], extra["params_coincide"]
        # Past the cap, the candidates of the recent years first (``recientes``; the rest,
        # ``anteriores``, only fills what they leave): storage order alone gave the oldest
        # thousand matches of a common word, and an analyst searching «phishing» wants this
        # year's. The second LIMIT is 0 when the first filled the cap: it reads nothing.
        desde_anio = timezone.localdate().year - conf.ANIOS_RECIENTES + 1
        # The year bound as coalesce(...): not a condition the (anio, tipo, estado) index can
        # answer. As a plain range the planner ANDed that index's bitmap of the recent years
        # (3.8M rows, ~370 ms) with the few thousand text matches; a heap filter on those is
        # free. A year facet (anio = ANY) still uses the index.
        ramas += ["SELECT * FROM recientes", "SELECT * FROM anteriores"]
        cte_recientes = (f"recientes AS MATERIALIZED (SELECT {columnas_m}, FALSE AS exacto "
                         f"FROM {TABLA} d WHERE {visibles_c}{otras} AND coalesce(d.anio, 0) >= %s "
                         "LIMIT %s), "
                         f"anteriores AS MATERIALIZED (SELECT {columnas_m}, FALSE AS exacto "
                         f"FROM {TABLA} d WHERE {visibles_c}{otras} AND coalesce(d.anio, 0) < %s "
                         "LIMIT (SELECT greatest(0, %s - count(*)) FROM recientes)), ")
        params_recientes = (params_rango + params_c + params_otras + [desde_anio, tope + 1]
                            + params_rango + params_c + params_otras + [desde_anio, tope + 1])
        orden = "puntaje DESC, fecha DESC NULLS LAST, id DESC"
        campos = ", ".join(f"'{x}', d.{x}" for x in CAMPOS_ACIERTO)
        sql = (
            f"WITH {cte_recientes}c AS MATERIALIZED ({' UNION ALL '.join(ramas)}), "
            "m AS MATERIALIZED (SELECT * FROM c ORDER BY exacto DESC LIMIT %s), "
            f"pagina AS (SELECT id, fecha, puntaje, exacto FROM m ORDER BY {orden} "
            "LIMIT %s OFFSET %s), "
            f"facetas AS (SELECT json_build_array("
            f"{', '.join(f'GROUPING({col})' for col in columnas_faceta)}, "
            f"{', '.join(columnas_faceta)}, count(*)) AS fila FROM m GROUP BY GROUPING SETS "
            f"({', '.join(f'({col})' for col in columnas_faceta)}, ())) "
            "SELECT (SELECT json_agg(fila) FROM facetas), "
            f"(SELECT json_agg(json_build_object({campos}, 'puntaje', p.puntaje, "
            f"'exacto', p.exacto) ORDER BY p.{orden.replace(', ', ', p.')}) "
            f"FROM pagina p JOIN {TABLA} d ON d.id = p.id), (SELECT count(*) FROM c)"
        )
        conexion = conexion_lectura()
        with transaction.atomic(using=conexion.alias), conexion.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [conf.MEMORIA_CONSULTA])
            cursor.execute(sql, params_recientes + params_ramas
                           + [tope, c.por_pagina, c.desde])
            json_facetas, json_pagina, vistos = cursor.fetchone()
        filas_facetas = [tuple(f) for f in _json(json_facetas)]
        filas = _json(json_pagina)
        for f in filas:
            f["fecha"] = parse_datetime(f["fecha"]) if f["fecha"] else None
        return filas, filas_facetas, vistos

    def _navegar(self, c: Consulta, where: str, params: list):
        """No text: newest first through the (tipo, fecha) index; facets on their own."""
        columnas = ", ".join(f"d.{x}" for x in CAMPOS_ACIERTO)
        sql = (f"SELECT {columnas}, 0.0 AS puntaje, FALSE AS exacto FROM {TABLA} d "
               f"WHERE {where} ORDER BY d.fecha DESC NULLS LAST, d.id DESC LIMIT %s OFFSET %s")
        grupos = ", ".join(f"(d.{col})" for col in COLUMNA_FACETA.values())
        sql_facetas = (
            f"SELECT {', '.join(f'GROUPING(d.{col})' for col in COLUMNA_FACETA.values())}, "
            f"{', '.join(f'd.{col}' for col in COLUMNA_FACETA.values())}, count(*) "
            f"FROM {TABLA} d WHERE {where} GROUP BY GROUPING SETS ({grupos}, ())"
        )
        with conexion_lectura().cursor() as cursor:
            cursor.execute(sql, params + [c.por_pagina, c.desde])
            nombres = [col.name for col in cursor.description]
            filas = [dict(zip(nombres, fila, strict=True)) for fila in cursor.fetchall()]
            cursor.execute(sql_facetas, params)
            filas_facetas = cursor.fetchall()
        return filas, filas_facetas

    def _leer_facetas(self, filas) -> tuple[int, dict[str, list[ValorFaceta]]]:
        n = len(COLUMNA_FACETA)
        nombres = list(COLUMNA_FACETA)
        total = 0
        facetas: dict[str, list[ValorFaceta]] = {f: [] for f in nombres}
        for fila in filas:
            agrupado = fila[:n]
            valores = fila[n:2 * n]
            cuenta = fila[2 * n]
            sueltas = [i for i, g in enumerate(agrupado) if g == 0]
            if not sueltas:
                total = cuenta
                continue
            i = sueltas[0]
            valor = valores[i]
            if valor in (None, ""):
                continue
            facetas[nombres[i]].append(ValorFaceta(valor=str(valor), cuenta=cuenta))
        for lista in facetas.values():
            lista.sort(key=lambda v: (-v.cuenta, v.valor))
        return total, facetas

    def _acierto(self, f: dict) -> Acierto:
        datos = f["datos"]
        if isinstance(datos, str):  # raw cursor: Django leaves jsonb undecoded
            datos = json.loads(datos)
        return Acierto(tipo=f["tipo"], objeto_id=f["objeto_id"], titulo=f["titulo"],
                       clave=f["clave"], entidad_id=f["entidad_id"], estado=f["estado"],
                       prioridad=f["prioridad"], categoria=f["categoria"], tlp=f["tlp"],
                       anio=f["anio"], fecha=f["fecha"], puntaje=float(f.get("puntaje") or 0),
                       exacto=bool(f.get("exacto")), datos=datos or {},
                       fragmentos={"_id": [f["id"]]})

    def _titulares_postgres(self, aciertos: list[Acierto], c: Consulta, texto: str) -> None:
        """Headlines for the page's rows only (ts_headline re-parses the text: never run it
        over the whole match set). Staff also get the internal field's fragments."""
        ids = [a.fragmentos.pop("_id")[0] for a in aciertos]
        campos = [("titulo", OPCIONES_TITULAR), ("texto", OPCIONES_FRAGMENTO),
                  ("mensajes", OPCIONES_FRAGMENTO)]
        if c.alcance.personal:
            campos.append(("interno", OPCIONES_FRAGMENTO))
        partes = ", ".join(
            f"CASE WHEN d.{campo} = '' THEN '' ELSE ts_headline('spanish', d.{campo}, "
            f"websearch_to_tsquery('spanish', %s), %s) END" for campo, _o in campos)
        params: list = []
        for _campo, opciones in campos:
            params += [texto, opciones]
        with conexion_lectura().cursor() as cursor:
            cursor.execute(f"SELECT d.id, {partes} FROM {TABLA} d WHERE d.id = ANY(%s)",
                           params + [ids])
            por_id = {fila[0]: fila[1:] for fila in cursor.fetchall()}
        for id_fila, acierto in zip(ids, aciertos, strict=True):
            acierto.fragmentos = {}
            for (campo, _o), valor in zip(campos, por_id.get(id_fila, ()), strict=False):
                if valor and INICIO_MARCA in valor:
                    acierto.fragmentos[campo] = [valor]
            if acierto.exacto and "titulo" not in acierto.fragmentos:
                acierto.fragmentos["titulo"] = [INICIO_MARCA + acierto.titulo + FIN_MARCA]

    # SQLite (embedded profile) ---------------------------------------------------------------

    def _buscar_orm(self, c: Consulta) -> Resultados:
        qs = DocumentoBusqueda.objects.all()
        if not c.alcance.personal:
            ids = sorted(c.alcance.entidades)
            marcas = ", ".join(["%s"] * len(ids))
            qs = qs.filter(solo_personal=False).extra(
                where=[f"EXISTS (SELECT 1 FROM json_each({TABLA}.entidades) "
                       f"WHERE json_each.value IN ({marcas}))"], params=ids)
        if c.tipos:
            qs = qs.filter(tipo__in=c.tipos)
        for faceta, valores in c.filtros.items():
            columna = COLUMNA_FACETA.get(faceta)
            if columna is None or not valores:
                continue
            if faceta in FACETAS_ENTERAS:
                valores = [int(v) for v in valores if str(v).lstrip("-").isdigit()]
            qs = qs.filter(**{f"{columna}__in": list(valores)})
        palabras = [p for p in re.split(r"[\s\"]+", c.texto) if p and p.upper() not in ("OR",)]
        palabras = [p.lstrip("-") for p in palabras if p.lstrip("-")]
        campos = ["titulo", "texto", "mensajes", "clave"]
        if c.alcance.personal:
            campos.append("interno")
        if palabras:
            todas = Q()
            for palabra in palabras:
                alguna = Q()
                for campo in campos:
                    alguna |= Q(**{f"{campo}__icontains": palabra})
                todas &= alguna
            if c.claves:
                todas |= Q(clave__in=c.claves)
            qs = qs.filter(todas)
        total = qs.count()
        facetas: dict[str, list[ValorFaceta]] = {}
        for faceta, columna in COLUMNA_FACETA.items():
            filas = (qs.exclude(**{f"{columna}__isnull": True}).values(columna)
                     .annotate(n=Count("id")).order_by("-n", columna))
            facetas[faceta] = [ValorFaceta(valor=str(f[columna]), cuenta=f["n"])
                               for f in filas if f[columna] not in (None, "")]
        exacto = (Case(When(clave__in=c.claves, then=Value(1)), default=Value(0),
                       output_field=IntegerField()) if c.claves else Value(0))
        pagina = list(qs.annotate(exacto=exacto).order_by("-exacto", "-fecha", "-id")
                      .values(*CAMPOS_ACIERTO, "texto", "mensajes", "interno", "exacto")
                      [c.desde:c.desde + c.por_pagina])
        aciertos = []
        for f in pagina:
            a = self._acierto(f)
            a.fragmentos = {}
            for campo in ["titulo", "texto", "mensajes"] + (
                    ["interno"] if c.alcance.personal else []):
                trozos = resaltar_simple(f[campo], palabras, maximo=1 if campo == "titulo" else 2,
                                         contexto=1000 if campo == "titulo" else 80)
                if trozos:
                    a.fragmentos[campo] = trozos
            if a.exacto and "titulo" not in a.fragmentos:
                a.fragmentos["titulo"] = [INICIO_MARCA + a.titulo + FIN_MARCA]
            aciertos.append(a)
        return Resultados(total=total, aciertos=aciertos, facetas=facetas, pagina=c.pagina,
                          por_pagina=c.por_pagina, backend=self.nombre, texto=c.texto)

    # ---- health, reindex ------------------------------------------------------------------

    def salud(self) -> dict:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {TABLA}")
                (documentos,) = cursor.fetchone()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return {"backend": self.nombre, "ok": False, "error": str(exc)[:300]}
        return {"backend": self.nombre, "ok": True, "documentos": documentos,
                "motor": "postgresql" if _es_postgres() else "sqlite"}

    def reindexar(self, *, indice: str | None = None, progreso: Progreso | None = None,
                  salida=None) -> dict:
        """Rebuild the rows of every type (or of one index's types) from the database, then
        drop rows whose object no longer exists. Readers keep seeing the old rows meanwhile."""
        from ..sumidero import construir

        tipos = [t for t in registro.tipos() if indice is None or t.indice == indice]
        resumen = {}
        for tipo in tipos:
            lotes = list(tipo.todos())
            total = sum(len(lote) for lote in lotes)
            hechos = 0
            vistos: set[int] = set()
            for lote in lotes:
                documentos, _borrar = construir({tipo.nombre: lote})
                self.escribir(documentos, [])
                vistos.update(d.objeto_id for d in documentos)
                hechos += len(lote)
                if progreso:
                    progreso(tipo.nombre, hechos, total)
            sobrantes = (DocumentoBusqueda.objects.filter(tipo=tipo.nombre)
                         .exclude(objeto_id__in=vistos) if len(vistos) < 50_000 else None)
            borrados = 0
            if sobrantes is not None:
                borrados, _ = sobrantes.delete()
            else:
                existentes = set(DocumentoBusqueda.objects.filter(tipo=tipo.nombre)
                                 .values_list("objeto_id", flat=True).iterator())
                sobra = sorted(existentes - vistos)
                for i in range(0, len(sobra), 10_000):
                    n, _ = DocumentoBusqueda.objects.filter(
                        tipo=tipo.nombre, objeto_id__in=sobra[i:i + 10_000]).delete()
                    borrados += n
            resumen[tipo.nombre] = {"documentos": len(vistos), "borrados": borrados}
        return resumen
