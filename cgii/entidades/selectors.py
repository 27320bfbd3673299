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
    # Every API call runs this: no ORDER BY (the hash is unique) and only the user joined.
    try:
        return TokenAPI.objects.select_related("usuario").get(hash=hash_clave)
    except TokenAPI.DoesNotExist:
        return None


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
