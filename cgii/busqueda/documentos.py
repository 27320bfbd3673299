"""What a search document, a query and a result look like, whatever the backend.

Domain apps build ``Documento``s (``registro.TipoDocumento.construir``); backends store them
and answer ``Consulta``s with ``Resultados``. Visibility travels with every document and every
query, so that each backend filters *inside* the engine (DESIGN.md §3.4):

- ``entidades``: members of these entities may see the document (an incident: its entity;
  an indicator: the entities whose incidents saw it). CGII staff see every document.
- ``solo_personal``: staff only, whatever ``entidades`` says.
- ``interno``: a field only staff may match, see highlighted or read (internal comments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Highlight markers: private-use characters that no analyser keeps, swapped for <mark> after
# the text around them has been HTML-escaped (``resaltar``). Stripped from indexed text.
INICIO_MARCA = "\ue000"
FIN_MARCA = "\ue001"

FACETAS = ("tipo", "estado", "prioridad", "categoria", "entidad", "anio", "tlp")
# Filters a query may carry: the facets, by value.
FILTROS = FACETAS

MAX_TEXTO = 100_000  # characters per text field (a runaway description must not bloat rows)


def limpiar(texto: str | None, maximo: int = MAX_TEXTO) -> str:
    if not texto:
        return ""
    return texto.replace(INICIO_MARCA, "").replace(FIN_MARCA, "").replace("\x00", "")[:maximo]


@dataclass
class Documento:
    tipo: str  # registered type name: "incidente", "indicador", "plan", …
    objeto_id: int
    entidades: tuple[int, ...] = ()
    solo_personal: bool = False
    entidad_id: int | None = None  # owning entity (entity facet); None for shared documents
    clave: str = ""  # exact key: incident code, normalised IOC value, acronym…
    titulo: str = ""  # weight A
    texto: str = ""  # weight B (description)
    mensajes: str = ""  # weight C (messages shared with the entity)
    interno: str = ""  # weight C, staff only (internal comments, notes)
    estado: str = ""
    prioridad: str = ""
    categoria: str = ""
    tlp: str = ""
    anio: int | None = None
    fecha: datetime | None = None
    datos: dict = field(default_factory=dict)  # shown with the hit (never searched)

    @property
    def id(self) -> str:
        return f"{self.tipo}:{self.objeto_id}"

    def limpio(self) -> Documento:
        for campo in ("clave", "titulo", "texto", "mensajes", "interno"):
            setattr(self, campo, limpiar(getattr(self, campo)))
        self.clave = self.clave[:2048]
        self.titulo = self.titulo[:1000]
        self.entidades = tuple(sorted({int(e) for e in self.entidades}))
        return self


@dataclass(frozen=True)
class Alcance:
    """What the caller may see, decided once from the user (``selectors.alcance_de``)."""

    personal: bool  # CGII staff: every document, internal fields included
    entidades: frozenset[int] = frozenset()

    @property
    def nada(self) -> bool:
        return not self.personal and not self.entidades


@dataclass(frozen=True)
class Consulta:
    texto: str
    alcance: Alcance
    tipos: tuple[str, ...] = ()
    filtros: dict = field(default_factory=dict)  # facet → tuple of values (str)
    pagina: int = 1
    por_pagina: int = 20
    claves: tuple[str, ...] = ()  # exact keys the text may stand for (normalised IOC, code)
    clave_reconocida: bool = False  # a normaliser recognised the text: it is a key, not words

    @property
    def desde(self) -> int:
        return (self.pagina - 1) * self.por_pagina


@dataclass
class Acierto:
    tipo: str
    objeto_id: int
    titulo: str
    clave: str = ""
    entidad_id: int | None = None
    estado: str = ""
    prioridad: str = ""
    categoria: str = ""
    tlp: str = ""
    anio: int | None = None
    fecha: datetime | None = None
    puntaje: float = 0.0
    exacto: bool = False
    # field → fragments, HTML-safe, matches wrapped in <mark> (see ``resaltar``)
    fragmentos: dict[str, list[str]] = field(default_factory=dict)
    datos: dict = field(default_factory=dict)
    url: str = ""
    etiqueta_tipo: str = ""
    etiqueta_estado: str = ""  # the state as the type's pages name it ("En contención")

    @property
    def id(self) -> str:
        return f"{self.tipo}:{self.objeto_id}"


@dataclass
class ValorFaceta:
    valor: str
    cuenta: int
    etiqueta: str = ""
    activo: bool = False


@dataclass
class Resultados:
    total: int
    aciertos: list[Acierto]
    facetas: dict[str, list[ValorFaceta]]
    pagina: int = 1
    por_pagina: int = 20
    backend: str = ""
    texto: str = ""
    # False: more than ``total`` documents match; ``total``, the facets and the ranking cover
    # only the first ``total`` candidates the index gave (database backend, conf.TOPE_CANDIDATOS)
    total_exacto: bool = True

    @property
    def paginas(self) -> int:
        return max(1, -(-self.total // self.por_pagina))
