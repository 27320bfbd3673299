from django.core.management.base import BaseCommand, CommandError

from cgii.entidades.models import Entidad, TokenAPI, Usuario
from cgii.entidades.services import PREFIJO_CLAVE, token_crear, token_revocar
from cgii.errores import ErrorDominio

ACTOR = "comando token_api"


class Command(BaseCommand):
    help = ("Crea un token de API para USERNAME e imprime la clave una sola vez; "
            "con --revocar PREFIJO revoca un token.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?",
                            help="Usuario dueño del token (obligatorio al crear).")
        parser.add_argument("--nombre", default="Token de línea de comandos",
                            help="Nombre descriptivo del token.")
        parser.add_argument("--entidad", metavar="SIGLA",
                            help="Sigla de la entidad a la que se limita el token.")
        parser.add_argument("--dias", type=int, metavar="N",
                            help="Días de vigencia (obligatorio al crear: toda automatización "
                                 "dice cuánto dura su token; máximo TOKENS_API_DIAS_MAXIMO).")
        parser.add_argument("--alcance", choices=["lectura", "escritura"], default="lectura",
                            help="lectura (por defecto) o escritura.")
        parser.add_argument("--revocar", metavar="PREFIJO",
                            help="Revoca el token activo con este prefijo (con o sin «cgii_»).")

    def handle(self, *args, username, nombre, entidad, revocar, dias, alcance, **options):
        if revocar:
            self._revocar(revocar, username)
        else:
            self._crear(username, nombre, entidad, dias, alcance)

    def _crear(self, username: str | None, nombre: str, sigla: str | None, dias: int | None,
               alcance: str) -> None:
        if not username:
            raise CommandError("Indique el USERNAME del dueño del token.")
        usuario = Usuario.objects.filter(username=username).first()
        if usuario is None:
            raise CommandError(f"No existe el usuario «{username}».")
        entidad = None
        if sigla:
            entidad = Entidad.objects.filter(sigla__iexact=sigla).first()
            if entidad is None:
                raise CommandError(f"No existe la entidad «{sigla}».")
        if dias is None:
            raise CommandError("Indique la vigencia con --dias N (todo token vence).")
        try:
            # segundo_factor: whoever runs a management command already holds the server.
            token, clave = token_crear(usuario=usuario, nombre=nombre, entidad=entidad,
                                       actor=ACTOR, dias=dias, alcance=alcance,
                                       segundo_factor=True)
        except ErrorDominio as error:
            raise CommandError(_detalle(error)) from error
        ambito = token.entidad.sigla if token.entidad else "todas (personal CGII)"
        # Only the key goes to stdout so that scripts can capture it; the rest is for people.
        self.stderr.write(f"Token «{token.nombre}» creado para {usuario.username}, "
                          f"entidad: {ambito}, alcance: {token.get_alcance_display()}, "
                          f"vence: {token.expira:%Y-%m-%d %H:%M}. Guarde la clave: no se "
                          f"volverá a mostrar.")
        self.stdout.write(clave)

    def _revocar(self, prefijo: str, username: str | None) -> None:
        prefijo = prefijo.removeprefix(PREFIJO_CLAVE).rstrip("…")
        tokens = TokenAPI.objects.filter(prefijo=prefijo, revocado_en__isnull=True)
        if username:
            tokens = tokens.filter(usuario__username=username)
        encontrados = list(tokens.select_related("usuario")[:2])
        if not encontrados:
            raise CommandError(f"No hay un token activo con el prefijo «{prefijo}».")
        if len(encontrados) > 1:
            raise CommandError("Varios tokens activos tienen ese prefijo; indique también USERNAME.")
        token = token_revocar(token=encontrados[0], actor=ACTOR)
        self.stdout.write(f"Token {PREFIJO_CLAVE}{token.prefijo}… de {token.usuario.username} "
                          f"revocado.")


def _detalle(error: ErrorDominio) -> str:
    if not error.extra:
        return error.message
    partes = [f"{campo}: {', '.join(map(str, valores))}" if isinstance(valores, list)
              else f"{campo}: {valores}" for campo, valores in error.extra.items()]
    return f"{error.message} ({'; '.join(partes)})"
