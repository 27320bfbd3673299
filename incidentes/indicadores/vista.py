"""What an entity user is shown of an indicator: their own sightings, nothing else.

Indicators are one national row per value; its TLP, confidence, validity and first/last
seen times come from whoever reported the value first and from every later sighting. An
entity user shown that row would learn about other entities' reports (issue 16, finding
1: B adding a value A holds at TLP:RED got back "red", A's confidence and A's first-seen
time; A saw "last seen" move when B added it). So an entity user gets a ``Vista``: the
value, its type and ids (derived from the value alone), the national revocation (a CGII
decision), and everything else from their own entity's sightings (``IndicadorIncidente``
rows): their TLP, their confidence, their times, their roles. CGII staff keep the national
row. Pure functions: callers pass the sightings the user may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from . import stix
from .models import Indicador, IndicadorIncidente, RolIndicador

# STIX indicator-type-ov from a sighting's role (also used for new national rows).
TIPOS_POR_ROL = {
    RolIndicador.MALICIOSO: ["malicious-activity"], RolIndicador.ATACANTE: ["malicious-activity"],
    RolIndicador.C2: ["malicious-activity"], RolIndicador.DISTRIBUCION: ["malicious-activity"],
    RolIndicador.VICTIMA: ["compromised"], RolIndicador.RELACIONADO: ["unknown"],
}


@dataclass
class Vista:
    """Duck-types the ``Indicador`` attributes the serializers and ``exportacion`` read."""

    pk: int
    tipo: str
    valor: str
    patron: str
    stix_uuid: object
    sco_id: str
    tlp: str
    confianza: int | None
    tipos_stix: list
    valido_desde: datetime
    valido_hasta: datetime | None
    primera_vez: datetime | None
    ultima_vez: datetime | None
    revocado: bool
    creado: datetime
    modificado: datetime
    nombre: str = ""
    descripcion: str = ""
    roles: list = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def stix_id(self) -> str:
        return f"indicator--{self.stix_uuid}"

    def get_tipo_display(self) -> str:
        from .normalizacion import TipoIndicador

        return str(TipoIndicador(self.tipo).label)


def _visto(v: IndicadorIncidente) -> tuple[datetime, datetime]:
    primero = v.primera_vez or v.agregado_en
    return primero, max(v.ultima_vez or primero, primero)


def de_vinculos(indicador: Indicador, vinculos: Sequence[IndicadorIncidente]) -> Vista:
    """The indicator as seen through ``vinculos`` (one or more sightings of it, all of the
    user's own entity). Most restrictive TLP, highest confidence, widest seen window; valid
    until the latest of their own validity ends (none if one of them has no end)."""
    if not vinculos:
        raise ValueError("Una vista propia necesita al menos un avistamiento propio.")
    vistos = [_visto(v) for v in vinculos]
    agregados = [v.agregado_en for v in vinculos]
    confianzas = [v.confianza for v in vinculos if v.confianza is not None]
    hastas = [v.valido_hasta for v in vinculos]
    tipos: list[str] = []
    for v in vinculos:
        for t in TIPOS_POR_ROL.get(v.rol, ["unknown"]):
            if t not in tipos:
                tipos.append(t)
    creado = min(agregados)
    return Vista(
        pk=indicador.pk, tipo=indicador.tipo, valor=indicador.valor, patron=indicador.patron,
        stix_uuid=indicador.stix_uuid, sco_id=indicador.sco_id,
        tlp=stix.tlp_mas_restrictivo(v.tlp for v in vinculos),
        confianza=max(confianzas) if confianzas else None, tipos_stix=tipos,
        valido_desde=creado,
        valido_hasta=None if any(h is None for h in hastas) else max(hastas),
        primera_vez=min(p for p, _u in vistos), ultima_vez=max(u for _p, u in vistos),
        revocado=indicador.revocado, creado=creado, modificado=max(agregados),
        roles=sorted({v.rol for v in vinculos}),
    )


def de_vinculo(vinculo: IndicadorIncidente) -> Vista:
    """One sighting alone (an incident's indicator list, the add response)."""
    return de_vinculos(vinculo.indicador, [vinculo])


def agrupar(vinculos: Iterable[IndicadorIncidente]) -> dict[int, list[IndicadorIncidente]]:
    por_indicador: dict[int, list[IndicadorIncidente]] = {}
    for v in vinculos:
        por_indicador.setdefault(v.indicador_id, []).append(v)
    return por_indicador
