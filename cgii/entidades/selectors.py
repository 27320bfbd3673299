"""Tenant scoping: every selector of every app asks these helpers what a user may see."""

from django.db.models import QuerySet

from .models import Entidad, Membresia, RolCGII, TokenAPI

_ROLES_CGII = {r.value for r in RolCGII}


def roles_cgii(usuario) -> frozenset[str]:
    """CGII staff roles of the user (cached on the instance for the request)."""
    if not getattr(usuario, "is_authenticated", False):
        return frozenset()
    cache = getattr(usuario, "_cgii_roles", None)
    if cache is None:
        nombres = set(usuario.groups.filter(name__in=_ROLES_CGII).values_list("name", flat=True))
        if usuario.is_superuser:
            nombres.add(RolCGII.ADMINISTRADOR.value)
        cache = frozenset(nombres)
        usuario._cgii_roles = cache
    return cache


def es_personal_cgii(usuario) -> bool:
    return bool(roles_cgii(usuario))


def tiene_rol_cgii(usuario, *roles: str) -> bool:
    return bool(roles_cgii(usuario) & set(roles))


def membresias_activas(usuario) -> list[Membresia]:
    if not getattr(usuario, "is_authenticated", False):
        return []
    cache = getattr(usuario, "_cgii_membresias", None)
    if cache is None:
        cache = list(
            Membresia.objects.filter(usuario=usuario, activa=True, entidad__activa=True)
            .select_related("entidad")
        )
        usuario._cgii_membresias = cache
    return cache


def ids_entidades_de(usuario) -> frozenset[int]:
    """Entities the user belongs to (for staff this is usually empty)."""
    return frozenset(m.entidad_id for m in membresias_activas(usuario))


def roles_en_entidad(usuario, entidad_id: int) -> frozenset[str]:
    return frozenset(m.rol for m in membresias_activas(usuario) if m.entidad_id == entidad_id)


def roles_para_entidad(usuario, entidad_id: int) -> frozenset[str]:
    """Every role the user acts with on something of ``entidad_id``: CGII staff roles plus
    the user's own roles in that entity (the system actor: ``{"sistema"}``)."""
    return roles_cgii(usuario) | roles_en_entidad(usuario, entidad_id)


def ve_todas_las_entidades(usuario) -> bool:
    return es_personal_cgii(usuario)


def entidades_visibles(usuario) -> QuerySet[Entidad]:
    if ve_todas_las_entidades(usuario):
        return Entidad.objects.all()
    return Entidad.objects.filter(id__in=ids_entidades_de(usuario))


def entidad_visible(usuario, entidad_id: int) -> Entidad | None:
    """The entity if ``usuario`` may see it; an entity user's comes from the membership
    cache (loaded with its entity), so the common case costs no query."""
    if not ve_todas_las_entidades(usuario):
        return next((m.entidad for m in membresias_activas(usuario)
                     if m.entidad_id == entidad_id), None)
    return Entidad.objects.filter(pk=entidad_id).first()


def filtrar_por_entidad(qs: QuerySet, usuario, campo: str = "entidad") -> QuerySet:
    """Restrict any queryset with an entity foreign key to what ``usuario`` may see."""
    if ve_todas_las_entidades(usuario):
        return qs
    return qs.filter(**{f"{campo}_id__in": ids_entidades_de(usuario)})


def puede_ver_entidad(usuario, entidad_id: int) -> bool:
    return ve_todas_las_entidades(usuario) or entidad_id in ids_entidades_de(usuario)


def olvidar_cache(usuario) -> None:
    for attr in ("_cgii_roles", "_cgii_membresias"):
        if hasattr(usuario, attr):
            delattr(usuario, attr)


def requiere_segundo_factor(usuario) -> bool:
    """Anyone who can act as CGII staff or enter the admin must have passed TOTP.

    ``is_staff`` counts too: an admin-capable account without a CGII group must not become
    the password-only way into the admin.
    """
    if not getattr(usuario, "is_authenticated", False):
        return False
    return bool(usuario.is_staff or usuario.is_superuser or es_personal_cgii(usuario))


def limitar_a_entidad(usuario, entidad_id: int) -> None:
    """Narrow what every selector shows ``usuario`` to one entity (an entity-scoped API token).

    Fills the membership cache with only that entity's active memberships, so that
    ``ids_entidades_de``, ``entidades_visibles`` and ``filtrar_por_entidad`` all agree.
    """
    usuario._cgii_membresias = list(
        Membresia.objects.filter(
            usuario=usuario, entidad_id=entidad_id, activa=True, entidad__activa=True
        ).select_related("entidad")
    )


def tokens_de(usuario) -> QuerySet[TokenAPI]:
    """The user's own API tokens; under an entity-scoped token only that entity's ones."""
    qs = TokenAPI.objects.filter(usuario=usuario).select_related("entidad").order_by("-creado")
    if es_personal_cgii(usuario):
        return qs
    return qs.filter(entidad_id__in=ids_entidades_de(usuario))


def token_por_hash(hash_clave: str) -> TokenAPI | None:
    """Every API call runs this: the token, its user, the user's roles and (for an
    entity-scoped token) that entity's memberships in one row (``carga_usuario``)."""
    from . import carga_usuario

    return carga_usuario.leer_token(hash_clave)


def perfil_de(usuario, *, token: TokenAPI | None = None) -> dict:
    """Who the caller is, as the API's ``yo/`` shows it (entities as currently scoped)."""
    por_entidad: dict[int, dict] = {}
    for m in membresias_activas(usuario):
        fila = por_entidad.setdefault(m.entidad_id, {
            "id": m.entidad_id, "sigla": m.entidad.sigla, "nombre": m.entidad.nombre, "roles": [],
        })
        fila["roles"].append(m.rol)
    return {
        "id": usuario.pk,
        "username": usuario.get_username(),
        "nombre_completo": usuario.get_full_name(),
        "email": usuario.email,
        "roles_cgii": sorted(roles_cgii(usuario)),
        "entidades": [{**e, "roles": sorted(e["roles"])}
                      for e in sorted(por_entidad.values(), key=lambda e: e["sigla"])],
        "token": None if token is None else {
            "prefijo": "cgii_" + token.prefijo,
            "entidad": token.entidad.sigla if token.entidad_id else None,
        },
    }


# ---- constituency registry: reads and routing (issue 19) ---------------------------------
# Feed routing in incidentes.fuentes reads the registry only through these functions.

import ipaddress  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from .models import AsnEntidad, DominioEntidad, EstadoRegistro, RedEntidad  # noqa: E402

VIA_IP, VIA_FQDN, VIA_ASN, VIA_CONFLICTO = "ip", "fqdn", "asn", "conflicto"
_CONFIRMADO = EstadoRegistro.CONFIRMADO.value


@dataclass(frozen=True)
class Ruta:
    """Where one event goes: ``entidad_id`` None when unrouted (``via`` "conflicto" when two
    entities registered the very same network, domain or ASN: reported, never guessed)."""

    entidad_id: int | None
    via: str | None


def _vigente(dia: date | None) -> Q:
    dia = dia or timezone.localdate()
    return (Q(estado=_CONFIRMADO) & (Q(valido_desde__isnull=True) | Q(valido_desde__lte=dia))
            & (Q(valido_hasta__isnull=True) | Q(valido_hasta__gte=dia)))


def _sql_vigente(alias: str, dia: str) -> str:
    return (f"{alias}.estado = '{_CONFIRMADO}' "
            f"AND ({alias}.valido_desde IS NULL OR {alias}.valido_desde <= {dia}) "
            f"AND ({alias}.valido_hasta IS NULL OR {alias}.valido_hasta >= {dia})")


def sufijos_dominio(fqdn: str) -> list[str]:
    """``a.b.gob.bo`` → [``a.b.gob.bo``, ``b.gob.bo``, ``gob.bo``, ``bo``]: the registered
    domains that could cover it, longest first."""
    partes = fqdn.split(".")
    return [".".join(partes[i:]) for i in range(len(partes))]


def _unica(candidatos: list[tuple[int, int]]) -> Ruta | None:
    """(entity, specificity) candidates → the most specific one, a conflict when two entities
    share the top specificity, None when there is none."""
    if not candidatos:
        return None
    mejor = max(c[1] for c in candidatos)
    entidades = {c[0] for c in candidatos if c[1] == mejor}
    if len(entidades) > 1:
        return Ruta(None, VIA_CONFLICTO)
    return Ruta(entidades.pop(), None)


def ruta_de(*, ip: str | None = None, fqdn: str | None = None, asn: int | None = None,
            dia: date | None = None) -> Ruta:
    """One event's entity: the longest confirmed prefix containing ``ip``, else the longest
    confirmed domain covering ``fqdn``, else the confirmed ``asn`` (each valid on ``dia``).
    The batch path (``rutear_tabla``) answers the same in one query per step."""
    vigente = _vigente(dia)
    pasos = []
    if ip:
        if connection.vendor == "postgresql":
            # Raw SQL: the GiST probe itself is ~40 µs, the ORM around it ten times that.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT entidad_id, red FROM entidades_redentidad r "
                    f"WHERE red >>= %s::inet AND {_sql_vigente('r', '%s::date')}",
                    [ip, dia or timezone.localdate(), dia or timezone.localdate()])
                filas = cursor.fetchall()
        else:
            direccion = ipaddress.ip_address(ip)
            filas = [(e, r) for e, r in RedEntidad.objects.filter(vigente)
                     .values_list("entidad_id", "red")
                     if direccion in ipaddress.ip_network(r)]
        pasos.append((VIA_IP, [(e, ipaddress.ip_network(r).prefixlen) for e, r in filas]))
    if fqdn:
        filas = DominioEntidad.objects.filter(vigente, dominio__in=sufijos_dominio(fqdn))
        pasos.append((VIA_FQDN, [(e, len(d)) for e, d in filas.values_list("entidad_id",
                                                                               "dominio")]))
    if asn is not None:
        filas = AsnEntidad.objects.filter(vigente, asn=asn).values_list("entidad_id", flat=True)
        pasos.append((VIA_ASN, [(e, 0) for e in filas]))
    for via, candidatos in pasos:
        ruta = _unica(candidatos)
        if ruta is None:
            continue
        return ruta if ruta.via == VIA_CONFLICTO else Ruta(ruta.entidad_id, via)
    return Ruta(None, None)


def rutear_tabla(tabla: str) -> None:
    """Route every row of the caller's (temporary) table in three set-based statements.

    ``tabla`` has columns ``n`` (unique row number), ``ip inet, fqdn text, asn bigint, dia
    date, entidad_id integer, via text`` (the last two NULL on entry). Each step is one join
    for the rows still unrouted, then the most specific candidate wins; two entities tied
    at the top are a conflict (``via`` "conflicto", no entity): the address, then the host
    name, then the ASN. PostgreSQL only.

    Longest prefix as a hash join: an address can only be inside a registered network of
    one of the few prefix lengths the registry uses, so each address is truncated to each of
    those lengths and matched by equality (10,000 addresses: ~40 ms, where one GiST probe
    per address took ~1 s on the same machine; ``ruta_de`` keeps the GiST probe for one
    address). Host names are matched the same way, by each of their suffixes."""
    vigente_red, vigente_dom, vigente_asn = (_sql_vigente(a, "l.dia") for a in "rda")
    elegir = f"""
        UPDATE {tabla} l SET entidad_id = CASE WHEN x.k > 1 THEN NULL ELSE x.entidad_id END,
                             via = CASE WHEN x.k > 1 THEN '{VIA_CONFLICTO}' ELSE %s END
        FROM (SELECT DISTINCT ON (c.n) c.n, c.entidad_id, c.k
              FROM ({{candidatos}}) c ORDER BY c.n, c.largo DESC) x
        WHERE l.n = x.n"""
    por_ip = f"""
        SELECT l.n, g.largo, min(r.entidad_id) AS entidad_id,
               count(DISTINCT r.entidad_id) AS k
        FROM {tabla} l
        JOIN (SELECT DISTINCT family(red) AS familia, masklen(red) AS largo
              FROM entidades_redentidad WHERE estado = '{_CONFIRMADO}') g
          ON g.familia = family(l.ip)
        JOIN entidades_redentidad r ON r.red = set_masklen(l.ip::cidr, g.largo)
             AND {vigente_red}
        WHERE l.ip IS NOT NULL AND l.via IS NULL
        GROUP BY l.n, g.largo"""
    por_nombre = f"""
        SELECT l.n, length(d.dominio) AS largo, min(d.entidad_id) AS entidad_id,
               count(DISTINCT d.entidad_id) AS k
        FROM {tabla} l
        CROSS JOIN LATERAL (
            SELECT array_to_string(p.partes[i:], '.') AS sufijo
            FROM (SELECT string_to_array(l.fqdn, '.') AS partes) p,
                 generate_series(1, cardinality(p.partes)) i) s
        JOIN entidades_dominioentidad d ON d.dominio = s.sufijo AND {vigente_dom}
        WHERE l.via IS NULL AND l.fqdn IS NOT NULL AND l.fqdn <> ''
        GROUP BY l.n, length(d.dominio)"""
    por_asn = f"""
        SELECT l.n, 0 AS largo, min(a.entidad_id) AS entidad_id,
               count(DISTINCT a.entidad_id) AS k
        FROM {tabla} l JOIN entidades_asnentidad a ON a.asn = l.asn AND {vigente_asn}
        WHERE l.via IS NULL
        GROUP BY l.n"""
    with connection.cursor() as cursor:
        for candidatos, via in ((por_ip, VIA_IP), (por_nombre, VIA_FQDN), (por_asn, VIA_ASN)):
            cursor.execute(elegir.replace("{candidatos}", candidatos), [via])


def redes_cercanas(ips: list[str]) -> dict[str, dict]:
    """For unrouted addresses: the confirmed network sharing the longest prefix with each
    (what staff most likely forgot to register), with its entity. {ip: {red, entidad_id,
    sigla, comun}}; IPv4 and IPv6 compared only with their own family."""
    redes = [(ipaddress.ip_network(r), e, s) for r, e, s in
             RedEntidad.objects.filter(estado=_CONFIRMADO)
             .values_list("red", "entidad_id", "entidad__sigla")]
    salida = {}
    for texto in ips:
        try:
            ip = ipaddress.ip_address(texto)
        except ValueError:
            continue
        mejor = None
        for red, entidad_id, sigla in redes:
            if red.version != ip.version:
                continue
            bits = red.max_prefixlen
            xor = int(red.network_address) ^ int(ip)
            comun = min(bits - xor.bit_length(), red.prefixlen)
            if mejor is None or comun > mejor["comun"]:
                mejor = {"red": str(red), "entidad_id": entidad_id, "sigla": sigla,
                         "comun": comun}
        if mejor is not None:
            salida[texto] = mejor
    return salida


@dataclass(frozen=True)
class Solapamiento:
    tipo: str            # "red", "dominio", "asn"
    conflicto: bool      # the very same entry for two entities: events there go unrouted
    a: str
    entidad_a: str
    b: str
    entidad_b: str


def solapamientos() -> list[Solapamiento]:
    """Confirmed entries of different entities that overlap, for staff: a network inside
    another entity's (the more specific wins: said, not hidden), a domain under another
    entity's, and exact duplicates (networks, domains, ASNs), which routing refuses to
    guess and leaves unrouted."""
    salida = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"""
                SELECT a.red::text, ea.sigla, b.red::text, eb.sigla, a.red = b.red
                FROM entidades_redentidad a
                JOIN entidades_redentidad b ON a.red >>= b.red AND a.entidad_id <> b.entidad_id
                     AND (a.red <> b.red OR a.entidad_id < b.entidad_id)
                JOIN entidades_entidad ea ON ea.id = a.entidad_id
                JOIN entidades_entidad eb ON eb.id = b.entidad_id
                WHERE a.estado = '{_CONFIRMADO}' AND b.estado = '{_CONFIRMADO}'
                ORDER BY a.red, b.red""")
            salida += [Solapamiento("red", igual, a, sa, b, sb)
                       for a, sa, b, sb, igual in cursor.fetchall()]
        cursor.execute(f"""
            SELECT a.dominio, ea.sigla, b.dominio, eb.sigla, a.dominio = b.dominio
            FROM entidades_dominioentidad a
            JOIN entidades_dominioentidad b ON a.entidad_id <> b.entidad_id
                 AND ((a.dominio = b.dominio AND a.entidad_id < b.entidad_id)
                      OR b.dominio LIKE '%%.' || a.dominio)
            JOIN entidades_entidad ea ON ea.id = a.entidad_id
            JOIN entidades_entidad eb ON eb.id = b.entidad_id
            WHERE a.estado = '{_CONFIRMADO}' AND b.estado = '{_CONFIRMADO}'
            ORDER BY a.dominio, b.dominio""")
        salida += [Solapamiento("dominio", bool(igual), a, sa, b, sb)
                   for a, sa, b, sb, igual in cursor.fetchall()]
        cursor.execute(f"""
            SELECT a.asn, ea.sigla, eb.sigla
            FROM entidades_asnentidad a
            JOIN entidades_asnentidad b ON a.asn = b.asn AND a.entidad_id < b.entidad_id
            JOIN entidades_entidad ea ON ea.id = a.entidad_id
            JOIN entidades_entidad eb ON eb.id = b.entidad_id
            WHERE a.estado = '{_CONFIRMADO}' AND b.estado = '{_CONFIRMADO}'
            ORDER BY a.asn""")
        salida += [Solapamiento("asn", True, f"AS{asn}", sa, f"AS{asn}", sb)
                   for asn, sa, sb in cursor.fetchall()]
    if connection.vendor != "postgresql":
        salida += _solapamientos_de_redes_en_python()
    return salida


def _solapamientos_de_redes_en_python() -> list[Solapamiento]:
    filas = [(ipaddress.ip_network(r), e, s) for r, e, s in RedEntidad.objects.filter(
        estado=_CONFIRMADO).values_list("red", "entidad_id", "entidad__sigla")]
    salida = []
    for ra, ea, sa in filas:
        for rb, eb, sb in filas:
            if ea == eb or ra.version != rb.version or not rb.subnet_of(ra):
                continue
            if ra == rb and ea > eb:
                continue
            salida.append(Solapamiento("red", ra == rb, str(ra), sa, str(rb), sb))
    return salida


TIPOS_REGISTRO = {"red": RedEntidad, "asn": AsnEntidad, "dominio": DominioEntidad}


def constituencia_de(usuario, entidad_id: int) -> dict | None:
    """The entity's registry as ``usuario`` may see it (None: not visible → 404)."""
    entidad = entidad_visible(usuario, entidad_id)
    if entidad is None:
        return None
    relacionados = ("propuesto_por", "confirmado_por")
    return {
        "entidad": entidad,
        "redes": list(RedEntidad.objects.filter(entidad=entidad).select_related(*relacionados)),
        "asns": list(AsnEntidad.objects.filter(entidad=entidad).select_related(*relacionados)),
        "dominios": list(DominioEntidad.objects.filter(entidad=entidad)
                         .select_related(*relacionados)),
    }


def constituencia_exportar_filas(usuario, entidad_id: int | None = None):
    """CSV rows (header first) of every registry entry ``usuario`` may see."""
    yield ["entidad", "tipo", "valor", "estado", "valido_desde", "valido_hasta", "nota",
           "confirmado_por", "confirmado_en"]
    for tipo, modelo in TIPOS_REGISTRO.items():
        qs = filtrar_por_entidad(modelo.objects.all(), usuario).select_related(
            "entidad", "confirmado_por").order_by("entidad__sigla", "id")
        if entidad_id is not None:
            qs = qs.filter(entidad_id=entidad_id)
        campo = {"red": "red", "asn": "asn", "dominio": "dominio"}[tipo]
        for r in qs.iterator(chunk_size=2000):
            yield [r.entidad.sigla, tipo, getattr(r, campo), r.estado,
                   r.valido_desde or "", r.valido_hasta or "", r.nota,
                   r.confirmado_por.username if r.confirmado_por_id else "",
                   timezone.localtime(r.confirmado_en).isoformat() if r.confirmado_en else ""]
