"""The client sends plain ``application/json`` and accepts an OpenSearch answer (no
``X-Elastic-Product``): checked against a loopback HTTP server that records the headers
and answers like OpenSearch 2/3 does (406 for the compatibility media type)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cgii.busqueda.backends.elastic import BackendElasticsearch


class Opensearch(BaseHTTPRequestHandler):
    cabeceras: list[dict] = []

    def _responder(self):
        largo = int(self.headers.get("Content-Length") or 0)
        if largo:
            self.rfile.read(largo)
        Opensearch.cabeceras.append({k.lower(): v for k, v in self.headers.items()})
        tipo = self.headers.get("Content-Type", "") + self.headers.get("Accept", "")
        if "vnd.elasticsearch" in tipo:
            cuerpo, estado = {"error": "Content-Type header is not supported", "status": 406}, 406
        elif self.path.startswith("/_cluster/health"):
            cuerpo, estado = {"status": "green"}, 200
        else:
            cuerpo, estado = {"version": {"distribution": "opensearch", "number": "2.19.0"}}, 200
        datos = json.dumps(cuerpo).encode()
        self.send_response(estado)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(datos)))
        self.end_headers()
        self.wfile.write(datos)

    do_GET = do_POST = do_PUT = do_HEAD = _responder

    def log_message(self, *args):
        pass


def test_plain_json_headers_against_opensearch():
    servidor = ThreadingHTTPServer(("127.0.0.1", 0), Opensearch)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    try:
        b = BackendElasticsearch(url=f"http://127.0.0.1:{servidor.server_port}", prefijo="x")
        assert b.cliente.info()["version"]["distribution"] == "opensearch"
        b.cliente.cluster.health()
        b.cliente.perform_request("POST", "/x/_search", body={"query": {"match_all": {}}},
                                  headers={"content-type": "application/json",
                                           "accept": "application/json"})
    finally:
        servidor.shutdown()
    assert Opensearch.cabeceras
    for cabeceras in Opensearch.cabeceras:
        assert cabeceras.get("accept") == "application/json"
        assert "vnd.elasticsearch" not in cabeceras.get("content-type", "")
