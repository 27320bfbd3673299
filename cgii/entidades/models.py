from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .campos import CampoRed


class Usuario(AbstractUser):
    """Own user model from day one so that fields can be added without a data migration."""

    telefono = models.CharField(_("teléfono"), max_length=40, blank=True)
    cargo = models.CharField(_("cargo"), max_length=150, blank=True)
    # Ciudadanía Digital (cgii/ciudadania): the identity-document number an administrator
    # registered; the provider's document claim must equal it to sign in as this user.
    # NULL (not "") when unset, so the unique constraint ignores users without one.
    documento_identidad = models.CharField(
        _("documento de identidad"), max_length=30, unique=True, null=True, blank=True,
        help_text=_("Número de documento con el que la persona ingresa por Ciudadanía "
                    "Digital. Vacío: no puede ingresar por Ciudadanía Digital."))

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")


class NivelEntidad(models.TextChoices):
    CENTRAL = "central", _("Nivel central")
    DEPARTAMENTAL = "departamental", _("Gobierno departamental")
    MUNICIPAL = "municipal", _("Gobierno municipal")
    INDIGENA = "indigena", _("Autonomía indígena originaria campesina")
    UNIVERSIDAD = "universidad", _("Universidad pública")
    EMPRESA_PUBLICA = "empresa_publica", _("Empresa pública")
    OTRO = "otro", _("Otro")


class TipoEntidad(models.TextChoices):
    MINISTERIO = "ministerio", _("Ministerio")
    DESCENTRALIZADA = "descentralizada", _("Institución descentralizada")
    DESCONCENTRADA = "desconcentrada", _("Institución desconcentrada")
    AUTARQUICA = "autarquica", _("Institución autárquica")
    EMPRESA = "empresa", _("Empresa pública")
    GOBIERNO_AUTONOMO = "gobierno_autonomo", _("Gobierno autónomo")
    UNIVERSIDAD = "universidad", _("Universidad")
    OTRO = "otro", _("Otro")


class Entidad(models.Model):
    nombre = models.CharField(_("nombre"), max_length=255, unique=True)
    sigla = models.CharField(_("sigla"), max_length=30, unique=True)
    nivel = models.CharField(_("nivel"), max_length=20, choices=NivelEntidad.choices)
    tipo = models.CharField(_("tipo"), max_length=20, choices=TipoEntidad.choices)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    critica = models.BooleanField(
        _("crítica"), default=False,
        help_text=_("Infraestructura crítica: la prioridad de sus incidentes sube un nivel."),
    )
    activa = models.BooleanField(_("activa"), default=True)
    correo_contacto = models.EmailField(_("correo de contacto"), blank=True)
    creado = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entidad")
        verbose_name_plural = _("entidades")
        ordering = ["nombre"]

    def __str__(self) -> str:
        return f"{self.sigla} — {self.nombre}"


class RolEntidad(models.TextChoices):
    REPORTANTE = "reportante", _("Reportante")
    RSI = "rsi", _("Responsable de Seguridad de la Información")
    MAE = "mae", _("Máxima Autoridad Ejecutiva")


class RolCGII(models.TextChoices):
    """CGII staff roles; each one is a Django group of the same name."""

    ANALISTA = "analista", _("Analista CGII")
    COORDINADOR = "coordinador", _("Coordinador CGII")
    AUDITOR = "auditor", _("Auditor CGII/AGETIC")
    ADMINISTRADOR = "administrador", _("Administrador")


class Membresia(models.Model):
    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membresias"
    )
    entidad = models.ForeignKey(Entidad, on_delete=models.CASCADE, related_name="membresias")
    rol = models.CharField(_("rol"), max_length=20, choices=RolEntidad.choices)
    activa = models.BooleanField(_("activa"), default=True)
    creado = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [
            models.UniqueConstraint(
                fields=["usuario", "entidad", "rol"], name="membresia_unica_por_rol"
            )
        ]
        indexes = [models.Index(fields=["usuario", "activa"])]

    def __str__(self) -> str:
        return f"{self.usuario} · {self.entidad.sigla} · {self.get_rol_display()}"


class AlcanceToken(models.TextChoices):
    LECTURA = "lectura", _("Solo lectura")
    ESCRITURA = "escritura", _("Lectura y escritura")


class TokenAPI(models.Model):
    """API key stored as its SHA-256; the key itself is shown once at creation. Every token
    expires (``expira``, at most TOKENS_API_DIAS_MAXIMO days after creation) and has a
    scope: a read-only token is refused any writing request (``permisos.AlcanceDelToken``).
    """

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens_api"
    )
    entidad = models.ForeignKey(
        Entidad, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens_api",
        help_text=_("Entidad a la que se limita el token; vacío solo para personal CGII."),
    )
    nombre = models.CharField(_("nombre"), max_length=100)
    prefijo = models.CharField(_("prefijo"), max_length=12, db_index=True)
    hash = models.CharField(max_length=64, unique=True)
    creado = models.DateTimeField(auto_now_add=True)
    ultimo_uso = models.DateTimeField(_("último uso"), null=True, blank=True)
    revocado_en = models.DateTimeField(null=True, blank=True)
    expira = models.DateTimeField(_("vence"))
    alcance = models.CharField(_("alcance"), max_length=10, choices=AlcanceToken.choices,
                               default=AlcanceToken.LECTURA)

    class Meta:
        verbose_name = _("token de API")
        verbose_name_plural = _("tokens de API")

    def __str__(self) -> str:
        return f"{self.prefijo}… ({self.usuario})"

    @property
    def vencido(self) -> bool:
        from django.utils import timezone

        return self.expira <= timezone.now()

    @property
    def activo(self) -> bool:
        return self.revocado_en is None and not self.vencido

    @property
    def solo_lectura(self) -> bool:
        return self.alcance == AlcanceToken.LECTURA


# ---- constituency registry: what each entity owns on the Internet (issue 19) ---------------
# Feed routing (incidentes.fuentes) reads it through cgii.entidades.constituencia's selectors:
# an address goes to the entity with the longest confirmed prefix containing it, then a
# host name to the entity with the longest confirmed domain covering it, then an ASN.


class EstadoRegistro(models.TextChoices):
    PROPUESTO = "propuesto", _("Propuesto por la entidad")
    CONFIRMADO = "confirmado", _("Confirmado por el CGII")
    RECHAZADO = "rechazado", _("Rechazado")


class RegistroConstituencia(models.Model):
    """What the three kinds of entry share: who proposed and confirmed it, and when it is
    valid (``valido_desde``/``valido_hasta`` inclusive; empty = open). Only confirmed
    entries route events; entities propose, CGII staff confirm."""

    entidad = models.ForeignKey(Entidad, on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("entidad"))
    estado = models.CharField(_("estado"), max_length=12, choices=EstadoRegistro.choices,
                              default=EstadoRegistro.PROPUESTO)
    valido_desde = models.DateField(_("válido desde"), null=True, blank=True)
    valido_hasta = models.DateField(_("válido hasta"), null=True, blank=True)
    nota = models.CharField(_("nota"), max_length=255, blank=True)
    propuesto_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+",
                                      verbose_name=_("propuesto por"))
    confirmado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+",
                                       verbose_name=_("confirmado por"))
    confirmado_en = models.DateTimeField(_("confirmado en"), null=True, blank=True)
    creado = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        abstract = True


class RedEntidad(RegistroConstituencia):
    red = CampoRed(_("red (CIDR)"))

    class Meta:
        verbose_name = _("red de la entidad")
        verbose_name_plural = _("redes de las entidades")
        ordering = ["red"]
        constraints = [models.UniqueConstraint(fields=["entidad", "red"],
                                               name="red_unica_por_entidad")]
        # The GiST index (inet_ops, confirmed rows only) is PostgreSQL-only: migration 0003.

    def __str__(self) -> str:
        return self.red


class AsnEntidad(RegistroConstituencia):
    asn = models.PositiveBigIntegerField(_("ASN"))

    class Meta:
        verbose_name = _("ASN de la entidad")
        verbose_name_plural = _("ASN de las entidades")
        ordering = ["asn"]
        constraints = [models.UniqueConstraint(fields=["entidad", "asn"],
                                               name="asn_unico_por_entidad")]
        indexes = [models.Index(fields=["asn", "estado"], name="asn_entidad_busqueda")]

    def __str__(self) -> str:
        return f"AS{self.asn}"


class DominioEntidad(RegistroConstituencia):
    """A domain covers itself and every subdomain (``mingob.gob.bo`` covers
    ``correo.mingob.gob.bo``); stored lower-case, IDNA-encoded, without the trailing dot."""

    dominio = models.CharField(_("dominio"), max_length=253)

    class Meta:
        verbose_name = _("dominio de la entidad")
        verbose_name_plural = _("dominios de las entidades")
        ordering = ["dominio"]
        constraints = [models.UniqueConstraint(fields=["entidad", "dominio"],
                                               name="dominio_unico_por_entidad")]
        indexes = [models.Index(fields=["dominio", "estado"], name="dominio_entidad_busqueda")]

    def __str__(self) -> str:
        return self.dominio
