"""The incident state machine as seen through one protocol: states, transitions and who may
fire each, laid out for an SVG drawn by the admin template (no graphviz binary needed)."""

from dataclasses import dataclass

# Main path left to right; side states below it.
CAMINO = ("reportado", "en_triaje", "en_analisis", "en_contencion", "en_erradicacion",
          "en_recuperacion", "resuelto", "cerrado")
LATERALES = ("en_espera_entidad", "rechazado", "duplicado")
ANCHO, ALTO, SEP_X, FILA_2 = 118, 40, 142, 150


@dataclass
class Nodo:
    estado: str
    etiqueta: str
    x: int
    y: int
    fase: str = ""

    @property
    def cx(self) -> int:
        return self.x + ANCHO // 2

    @property
    def cy(self) -> int:
        return self.y + ALTO // 2


@dataclass
class Arista:
    transicion: str
    etiqueta: str
    origenes: list[str]
    destino: str
    roles: list[str]


# The incident FSM that protocols give roles to. protocolos never imports incidentes: the
# incidents app registers a function describing its machine when it starts.
_describir_fsm = None


def registrar_fsm(describir) -> None:
    """``describir()`` → ([(name, label, sources, target or None)], {state: label})."""
    global _describir_fsm
    _describir_fsm = describir


def _transiciones_fsm():
    return _describir_fsm() if _describir_fsm is not None else None


def diagrama(protocolo) -> dict:
    resultado = _transiciones_fsm()
    transiciones, etiquetas = resultado if resultado else ([], {})
    fase_por_estado = {f["estado"]: f["nombre"] for f in protocolo.fases}
    nodos = {}
    for i, estado in enumerate(CAMINO):
        nodos[estado] = Nodo(estado, str(etiquetas.get(estado, estado)), 10 + i * SEP_X, 30,
                             fase_por_estado.get(estado, ""))
    for i, estado in enumerate(LATERALES):
        nodos[estado] = Nodo(estado, str(etiquetas.get(estado, estado)),
                             10 + (2 + i * 2) * SEP_X, FILA_2)
    aristas = []
    for nombre, etiqueta, origenes, destino in transiciones:
        roles = list(protocolo.transiciones.get(nombre, []))
        aristas.append(Arista(nombre, str(etiqueta), sorted(str(o) for o in origenes),
                              destino or "(estado previo)", roles))
    lineas = []
    for a in aristas:
        destino = nodos.get(a.destino)
        for origen in a.origenes:
            o = nodos.get(origen)
            if o is None or destino is None or o is destino:
                continue
            lineas.append({"x1": o.cx, "y1": o.cy, "x2": destino.cx, "y2": destino.cy,
                           "adelante": CAMINO.index(origen) + 1 == CAMINO.index(a.destino)
                           if origen in CAMINO and a.destino in CAMINO else False})
    return {"nodos": list(nodos.values()), "aristas": aristas, "lineas": lineas,
            "ancho": 20 + len(CAMINO) * SEP_X, "alto": FILA_2 + ALTO + 20,
            "nodo_ancho": ANCHO, "nodo_alto": ALTO}
