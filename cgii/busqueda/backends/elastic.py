"""``elasticsearch`` backend: the official client, against Elasticsearch 8/9 or OpenSearch 2/3.

- One index template per index (Spanish analyser, keyword sub-fields, strict mapping), one
  alias per index (``cgii-incidentes`` → ``cgii-incidentes-20250101120000-ab12``): readers and
  the sink use the alias; ``reindexar`` builds a new concrete index and swaps the alias.
- Plain ``application/json``: the 8/9 client rewrites Content-Type/Accept into
  ``application/vnd.elasticsearch+json; compatible-with=N``, which OpenSearch refuses (406),
  and refuses answers without ``X-Elastic-Product``. ``NodoJsonPlano`` undoes both, so one
  client talks to either product.
- Visibility is a ``bool.filter`` of every query (hits, total, aggregations and highlights
  come from the filtered set); entity users' queries neither search nor highlight ``interno``.
- Writes fail fast (short timeout, no client retries, a pause after a connection error):
  the outbox retries them.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time

from elastic_transport import ConnectionError as ErrorConexion
from elastic_transport import ConnectionTimeout, HttpHeaders, Urllib3HttpNode
from elasticsearch import Elasticsearch

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
from . import Backend, Progreso

logger = logging.getLogger(__name__)

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+(json|x-ndjson)(\s*;\s*compatible-with=\d+)?")


class NodoJsonPlano(Urllib3HttpNode):
    """urllib3 node that sends plain JSON media types and accepts OpenSearch's answers."""

    def perform_request(self, method, target, body=None, headers=None, request_timeout=None,
                        **kwargs):
        if headers:
            limpias = HttpHeaders()
            for nombre, valor in headers.items():
                limpias[nombre] = _COMPAT.sub(r"application/\1", valor) if isinstance(
                    valor, str) else valor
            headers = limpias
        argumentos = {} if request_timeout is None else {"request_timeout": request_timeout}
        respuesta = super().perform_request(method, target, body=body, headers=headers,
                                            **argumentos, **kwargs)
        # OpenSearch does not send it; the client would raise UnsupportedProductError.
        if "x-elastic-product" not in respuesta.meta.headers:
            respuesta.meta.headers["x-elastic-product"] = "Elasticsearch"
        return respuesta


class ErrorEscritura(RuntimeError):
    """Some documents were not written: the sink raises it and the outbox retries."""


ANALISIS = {
    "filter": {
        "cgii_stop": {"type": "stop", "stopwords": "_spanish_"},
        "cgii_raiz": {"type": "snowball", "language": "Spanish"},
    },
    "analyzer": {
        "cgii_es": {"type": "custom", "tokenizer": "standard",
                    "filter": ["lowercase", "cgii_stop", "asciifolding", "cgii_raiz"]},
    },
}
TEXTO = {"type": "text", "analyzer": "cgii_es"}
MAPEO = {
    "dynamic": "strict",
    "properties": {
        "tipo": {"type": "keyword"},
        "objeto_id": {"type": "long"},
        "entidad_id": {"type": "long"},
        "entidades": {"type": "long"},
        "solo_personal": {"type": "boolean"},
        "clave": {"type": "keyword"},
        "clave_min": {"type": "keyword"},
        "titulo": {**TEXTO, "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
        "texto": TEXTO,
        "mensajes": TEXTO,
        "interno": TEXTO,
        "estado": {"type": "keyword"},
        "prioridad": {"type": "keyword"},
        "categoria": {"type": "keyword"},
        "tlp": {"type": "keyword"},
        "anio": {"type": "integer"},
        "fecha": {"type": "date"},
        "datos": {"type": "object", "enabled": False},
    },
}
CAMPO_FACETA = {"tipo": "tipo", "estado": "estado", "prioridad": "prioridad",
                "categoria": "categoria", "entidad": "entidad_id", "anio": "anio", "tlp": "tlp"}
FACETAS_ENTERAS = {"entidad", "anio"}
FUENTE = ["tipo", "objeto_id", "entidad_id", "clave", "titulo", "estado", "prioridad",
          "categoria", "tlp", "anio", "fecha", "datos"]
VENTANA_MAXIMA = 10_000


def _fuente(d: Documento) -> dict:
    return {"tipo": d.tipo, "objeto_id": d.objeto_id, "entidad_id": d.entidad_id,
            "entidades": list(d.entidades), "solo_personal": d.solo_personal,
            "clave": d.clave, "clave_min": d.clave.lower()[:2048], "titulo": d.titulo,
            "texto": d.texto, "mensajes": d.mensajes, "interno": d.interno, "estado": d.estado,
            "prioridad": d.prioridad, "categoria": d.categoria, "tlp": d.tlp, "anio": d.anio,
            "fecha": d.fecha.isoformat() if d.fecha else None, "datos": d.datos}


def consulta_simple(texto: str) -> str:
    """websearch syntax ("phrase", -word, OR) → simple_query_string syntax."""
    return re.sub(r"\s+OR\s+", " | ", texto, flags=re.IGNORECASE)


class BackendElasticsearch(Backend):
    nombre = "elasticsearch"

    def __init__(self, *, url: str, prefijo: str):
        if not url:
            raise ValueError("BUSQUEDA_BACKEND=elasticsearch necesita ELASTICSEARCH_URL.")
        self.url = url
        self.prefijo = prefijo
        self.cliente = Elasticsearch(url, node_class=NodoJsonPlano,
                                     request_timeout=conf.TIMEOUT_LECTURA, max_retries=0,
                                     retry_on_timeout=False)
        self._preparado: set[str] = set()
        self._caido_hasta = 0.0
        self._lock = threading.Lock()

    # ---- names ----------------------------------------------------------------------------

    def alias(self, indice: str) -> str:
        return f"{self.prefijo}-{indice}"

    def _nuevo_nombre(self, indice: str) -> str:
        return f"{self.alias(indice)}-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(2)}"

    def _concretos(self, indice: str, cliente=None) -> list[str]:
        """Every concrete index of ``indice`` (the live one, and one being rebuilt)."""
        respuesta = (cliente or self.cliente).indices.get_alias(index=f"{self.alias(indice)}-*",
                                                   ignore_unavailable=True,
                                                   allow_no_indices=True)
        return sorted(respuesta.body.keys())

    # ---- setup ----------------------------------------------------------------------------

    def _plantilla(self, indice: str, cliente=None) -> None:
        (cliente or self.cliente).indices.put_index_template(
            name=self.alias(indice), index_patterns=[f"{self.alias(indice)}-*"], priority=200,
            template={"settings": {"number_of_shards": 1, "analysis": ANALISIS},
                      "mappings": MAPEO})

    def preparar(self, indice: str, cliente=None) -> None:
        """Template + a first index behind the alias, once per process (idempotent)."""
        if indice in self._preparado:
            return
        cliente = cliente or self.cliente
        with self._lock:
            if indice in self._preparado:
                return
            self._plantilla(indice, cliente)
            if not cliente.indices.exists_alias(name=self.alias(indice)):
                nuevo = self._nuevo_nombre(indice)
                cliente.indices.create(index=nuevo)
                cliente.indices.update_aliases(
                    actions=[{"add": {"index": nuevo, "alias": self.alias(indice)}}])
            self._preparado.add(indice)

    # ---- writes ---------------------------------------------------------------------------

    def escribir(self, documentos: list[Documento], borrar: list[str]) -> None:
        if time.monotonic() < self._caido_hasta:
            raise ErrorEscritura("Elasticsearch no respondió hace poco; se reintentará.")
        try:
            self._escribir(documentos, borrar)
        except (ErrorConexion, ConnectionTimeout):
            self._caido_hasta = time.monotonic() + conf.PAUSA_CAIDA_SEGUNDOS
            raise

    def _escribir(self, documentos, borrar, *, solo_en: str | None = None,
                  crear: bool = False) -> None:
        por_indice: dict[str, tuple[list[Documento], list[str]]] = {}
        for d in documentos:
            t = registro.tipo(d.tipo)
            if t is not None:
                por_indice.setdefault(t.indice, ([], []))[0].append(d)
        for clave in borrar:
            t = registro.tipo(clave.partition(":")[0])
            if t is not None:
                por_indice.setdefault(t.indice, ([], []))[1].append(clave)
        # Every call of the write path under the write timeout: the sink's runner must not
        # wait a read timeout on a hung cluster (the first call that times out ends it).
        cliente = self.cliente.options(request_timeout=conf.TIMEOUT_ESCRITURA)
        operaciones: list[dict] = []
        for indice, (docs, ids) in por_indice.items():
            if solo_en:
                destinos = [solo_en]
            else:
                self.preparar(indice, cliente)
                destinos = self._concretos(indice, cliente)
            for destino in destinos:
                for d in docs:
                    accion = "create" if crear else "index"
                    operaciones += [{accion: {"_index": destino, "_id": d.id}}, _fuente(d)]
                for id_doc in ids:
                    operaciones.append({"delete": {"_index": destino, "_id": id_doc}})
        if not operaciones:
            return
        respuesta = cliente.bulk(operations=operaciones,
                                 refresh="true" if conf.refrescar_al_escribir() else "false")
        if respuesta.get("errors"):
            fallos = []
            for item in respuesta.get("items", []):
                accion, r = next(iter(item.items()))
                estado = r.get("status", 500)
                if accion == "delete" and estado == 404:
                    continue  # already gone
                if crear and estado == 409:
                    continue  # the sink wrote a fresher version during the rebuild
                if estado >= 300:
                    fallos.append(f"{r.get('_id')}: {r.get('error')}")
            if fallos:
                raise ErrorEscritura(f"{len(fallos)} documento(s) no indexados: "
                                     + "; ".join(str(f) for f in fallos[:3]))

    def refrescar(self) -> None:
        self.cliente.indices.refresh(index=f"{self.prefijo}-*", ignore_unavailable=True,
                                     allow_no_indices=True)

    # ---- reads ----------------------------------------------------------------------------

    def _filtros(self, c: Consulta) -> list[dict]:
        filtros: list[dict] = []
        if not c.alcance.personal:
            filtros.append({"term": {"solo_personal": False}})
            filtros.append({"terms": {"entidades": sorted(c.alcance.entidades)}})
        if c.tipos:
            filtros.append({"terms": {"tipo": list(c.tipos)}})
        for faceta, valores in c.filtros.items():
            campo = CAMPO_FACETA.get(faceta)
            if campo is None or not valores:
                continue
            if faceta in FACETAS_ENTERAS:
                valores = [int(v) for v in valores if str(v).lstrip("-").isdigit()]
            filtros.append({"terms": {campo: list(valores)}})
        return filtros

    def buscar(self, consulta: Consulta) -> Resultados:
        c = consulta
        vacio = Resultados(total=0, aciertos=[], facetas={}, pagina=c.pagina,
                           por_pagina=c.por_pagina, backend=self.nombre, texto=c.texto)
        if c.alcance.nada:
            return vacio
        indices = sorted({t.indice for t in registro.tipos()
                          if not c.tipos or t.nombre in c.tipos})
        if not indices or c.desde + c.por_pagina > VENTANA_MAXIMA:
            return vacio
        campos = ["titulo^3", "texto^2", "mensajes"]
        resaltar = {"titulo": {"number_of_fragments": 0}, "texto": {}, "mensajes": {}}
        if c.alcance.personal:
            campos.append("interno")
            resaltar["interno"] = {}
        cuerpo: dict = {
            "track_total_hits": True,
            "from_": c.desde,
            "size": c.por_pagina,
            "_source": FUENTE,
            "aggs": {f: {"terms": {"field": campo, "size": 50}}
                     for f, campo in CAMPO_FACETA.items()},
        }
        texto = c.texto.strip()
        if texto:
            debe = [{"simple_query_string": {"query": consulta_simple(texto), "fields": campos,
                                             "default_operator": "and"}}]
            if c.claves:
                debe.append({"terms": {"clave": list(c.claves), "boost": 10}})
            if re.match(r"^[^\s\"']{3,}$", texto):
                debe.append({"prefix": {"clave_min": {"value": texto.lower(), "boost": 2}}})
            cuerpo["query"] = {"bool": {"filter": self._filtros(c), "should": debe,
                                        "minimum_should_match": 1}}
            cuerpo["sort"] = ["_score", {"fecha": {"order": "desc", "missing": "_last"}}]
            cuerpo["highlight"] = {"pre_tags": [INICIO_MARCA], "post_tags": [FIN_MARCA],
                                   "fragment_size": 160, "number_of_fragments": 2,
                                   "fields": resaltar}
        else:
            cuerpo["query"] = {"bool": {"filter": self._filtros(c)}}
            cuerpo["sort"] = [{"fecha": {"order": "desc", "missing": "_last"}},
                              {"objeto_id": {"order": "desc"}}]
        respuesta = self.cliente.search(index=",".join(self.alias(i) for i in indices),
                                        ignore_unavailable=True, allow_no_indices=True,
                                        **cuerpo)
        claves = set(c.claves)
        aciertos = []
        for hit in respuesta["hits"]["hits"]:
            s = hit.get("_source", {})
            exacto = s.get("clave") in claves
            fragmentos = {campo: lista for campo, lista in (hit.get("highlight") or {}).items()
                          if campo in resaltar}
            if exacto and "titulo" not in fragmentos:
                fragmentos["titulo"] = [INICIO_MARCA + s.get("titulo", "") + FIN_MARCA]
            aciertos.append(Acierto(
                tipo=s.get("tipo", ""), objeto_id=int(s.get("objeto_id") or 0),
                titulo=s.get("titulo", ""), clave=s.get("clave", ""),
                entidad_id=s.get("entidad_id"), estado=s.get("estado", ""),
                prioridad=s.get("prioridad", ""), categoria=s.get("categoria", ""),
                tlp=s.get("tlp", ""), anio=s.get("anio"), fecha=_fecha(s.get("fecha")),
                puntaje=float(hit.get("_score") or 0), exacto=exacto,
                fragmentos=fragmentos, datos=s.get("datos") or {}))
        facetas = {}
        for faceta, agg in (respuesta.get("aggregations") or {}).items():
            facetas[faceta] = [ValorFaceta(valor=str(b["key"]), cuenta=b["doc_count"])
                               for b in agg.get("buckets", []) if b.get("key") not in ("", None)]
        total = respuesta["hits"]["total"]
        return Resultados(total=total["value"] if isinstance(total, dict) else int(total),
                          total_exacto=not isinstance(total, dict)
                          or total.get("relation", "eq") == "eq",
                          aciertos=aciertos, facetas=facetas, pagina=c.pagina,
                          por_pagina=c.por_pagina, backend=self.nombre, texto=c.texto)

    # ---- health, reindex ------------------------------------------------------------------

    def salud(self) -> dict:
        try:
            cliente = self.cliente.options(request_timeout=2)
            salud = cliente.cluster.health()
            info = cliente.info()
            indices = {}
            for indice in registro.indices():
                alias = self.alias(indice)
                if cliente.indices.exists_alias(name=alias):
                    indices[alias] = cliente.count(index=alias)["count"]
                else:
                    indices[alias] = None
        except Exception as exc:  # noqa: BLE001 - reported as unhealthy, never raised
            return {"backend": self.nombre, "ok": False, "error": f"{type(exc).__name__}: "
                    f"{str(exc)[:200]}"}
        version = info.get("version", {})
        return {"backend": self.nombre, "ok": salud.get("status") in ("green", "yellow"),
                "estado_cluster": salud.get("status"),
                "producto": version.get("distribution") or "elasticsearch",
                "version": version.get("number"), "documentos": indices}

    def reindexar(self, *, indice: str | None = None, progreso: Progreso | None = None,
                  salida=None) -> dict:
        """Build each index anew from the database, then swap its alias in one atomic
        ``_aliases`` call and drop the old index. The sink keeps writing to every concrete
        index meanwhile (``_concretos``), and the rebuild only *creates* documents, so a
        change made during the rebuild is never overwritten by an older copy."""
        from ..sumidero import construir

        resumen = {}
        for nombre_indice, nombres_tipo in registro.indices().items():
            if indice is not None and nombre_indice != indice:
                continue
            alias = self.alias(nombre_indice)
            self._plantilla(nombre_indice)
            nuevo = self._nuevo_nombre(nombre_indice)
            self.cliente.indices.create(index=nuevo,
                                        settings={"index": {"refresh_interval": "-1"}})
            documentos = 0
            for nombre_tipo in nombres_tipo:
                tipo = registro.tipo(nombre_tipo)
                lotes = list(tipo.todos())
                total = sum(len(x) for x in lotes)
                hechos = 0
                for lote in lotes:
                    docs, _borrar = construir({nombre_tipo: lote})
                    self._escribir(docs, [], solo_en=nuevo, crear=True)
                    documentos += len(docs)
                    hechos += len(lote)
                    if progreso:
                        progreso(nombre_tipo, hechos, total)
                if progreso and not lotes:
                    progreso(nombre_tipo, 0, 0)
            self.cliente.indices.put_settings(index=nuevo,
                                              settings={"index": {"refresh_interval": None}})
            self.cliente.indices.refresh(index=nuevo)
            anteriores = [i for i in self._concretos(nombre_indice) if i != nuevo]
            acciones = [{"remove": {"index": i, "alias": alias}} for i in anteriores
                        if self.cliente.indices.exists_alias(name=alias, index=i)]
            acciones.append({"add": {"index": nuevo, "alias": alias}})
            self.cliente.indices.update_aliases(actions=acciones)
            for i in anteriores:
                self.cliente.indices.delete(index=i, ignore_unavailable=True)
            self._preparado.add(nombre_indice)
            resumen[nombre_indice] = {"indice": nuevo, "alias": alias, "documentos": documentos,
                                      "anteriores": anteriores}
        return resumen

    def borrar_todo(self) -> None:
        """For tests: every index and template of this prefix."""
        for indice in registro.indices():
            for concreto in self._concretos(indice):  # by name: destructive_requires_name
                self.cliente.indices.delete(index=concreto, ignore_unavailable=True)
            try:
                self.cliente.indices.delete_index_template(name=self.alias(indice))
            except Exception:  # noqa: BLE001 - absent template
                pass
        self._preparado.clear()


def _fecha(valor):
    if not valor:
        return None
    from django.utils.dateparse import parse_datetime

    return parse_datetime(valor)
