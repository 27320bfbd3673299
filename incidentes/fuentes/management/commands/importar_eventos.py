"""``manage.py importar_eventos FILE``: the JSON lines IntelMQ's file output writes
(``intelmq.bots.outputs.file.output``, one harmonised event per line).

The whole file is one transaction: every line is checked, and if any is wrong the command
prints each bad line with its fields' errors, stores nothing and exits with status 1. The
events go in batches through the same service as the API (de-duplicated, so importing the
same file twice stores nothing the second time). ``-`` reads standard input.
"""

import sys

import orjson
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cgii.entidades.sistema import SISTEMA

from ...services import ingesta
from ...validacion import validar_lote

LOTE = 10_000


class _Invalido(Exception):
    pass


class Command(BaseCommand):
    help = "Importa eventos armonizados de IntelMQ (JSON por línea, salida de archivo)."

    def add_arguments(self, parser):
        parser.add_argument("archivo", help="ruta del archivo (o - para la entrada estándar)")
        parser.add_argument("--lote", type=int, default=LOTE,
                            help=f"eventos por lote (por defecto {LOTE})")

    def handle(self, *args, archivo: str, lote: int, **opciones):
        if connection.vendor != "postgresql":
            raise CommandError(str(ingesta.RequierePostgres.mensaje_por_defecto))
        entrada = sys.stdin if archivo == "-" else self._abrir(archivo)
        total, errores = ingesta.ResultadoIngesta(), []
        try:
            with transaction.atomic():
                self._importar(entrada, max(1, min(lote, ingesta.MAX_EVENTOS_LOTE)), total,
                               errores)
                if errores:
                    raise _Invalido
        except _Invalido:
            for linea, campos in errores[:ingesta.MAX_ERRORES]:
                detalle = "; ".join(f"{c}: {' '.join(m)}" for c, m in campos.items())
                self.stderr.write(f"línea {linea}: {detalle}")
            raise CommandError(f"{len(errores)} líneas no son eventos válidos; no se importó "
                               "nada.") from None
        finally:
            if entrada is not sys.stdin:
                entrada.close()
        self.stdout.write(
            f"{total.recibidos} eventos: {total.nuevos} nuevos, {total.duplicados} duplicados, "
            f"{total.sin_entidad} sin entidad; por vía: "
            + (", ".join(f"{v} {n}" for v, n in sorted(total.por_via.items())) or "—") + ".")

    def _abrir(self, ruta: str):
        try:
            return open(ruta, "rb")  # noqa: SIM115 - closed in handle()
        except OSError as exc:
            raise CommandError(f"No se puede leer {ruta}: {exc.strerror}") from None

    def _importar(self, entrada, lote: int, total, errores: list) -> None:
        pendientes, numeros = [], []
        for numero, linea in enumerate(entrada, start=1):
            if not linea.strip():
                continue
            try:
                pendientes.append(orjson.loads(linea))
            except orjson.JSONDecodeError as exc:
                errores.append((numero, {"linea": [f"JSON no válido: {exc}"]}))
                continue
            numeros.append(numero)
            if len(pendientes) >= lote:
                self._lote(pendientes, numeros, total, errores)
                pendientes, numeros = [], []
        if pendientes:
            self._lote(pendientes, numeros, total, errores)

    def _lote(self, eventos, numeros, total, errores) -> None:
        validos, malos = validar_lote(eventos)
        errores.extend((numeros[m["indice"]], m["errores"]) for m in malos)
        if errores:
            return  # keep checking the rest of the file; nothing more is stored
        ingesta.exigir_ingesta(SISTEMA)
        total.sumar(ingesta.guardar(validos))
