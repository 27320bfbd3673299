"""Run IntelMQ's own REST API output bot on harmonised events (a subprocess of
test_intelmq.py, so that INTELMQ_ROOT_DIR points at the test's runtime.yaml before intelmq
is imported, as on an installation).

    INTELMQ_ROOT_DIR=DIR python tests/fuentes/bot_intelmq.py BOT_ID EVENTS.json

EVENTS.json is a list of {key: value}; each event is built with IntelMQ's harmonisation
classes (``Event.add`` validates and sanitises every field, as IntelMQ's parsers do) and
handed to the bot in library mode (IntelMQ 3's ``process_message``: no pipeline, no Redis;
the bot's parameters come from DIR/etc/runtime.yaml). Prints "enviados: N" (its log lines go to stdout too).
"""

import json
import sys

from intelmq.bots.outputs.restapi.output import RestAPIOutputBot
from intelmq.lib.bot import BotLibSettings
from intelmq.lib.message import Event


def main(bot_id: str, ruta: str) -> int:
    eventos = []
    for datos in json.loads(open(ruta, encoding="utf-8").read()):
        evento = Event()
        for clave, valor in datos.items():
            evento.add(clave, valor)  # raises on a value the harmonisation refuses
        eventos.append(evento)
    # Library mode: BotLibSettings replaces the pipeline with in-memory lists; everything
    # else (host, token, headers) is the bot's section of runtime.yaml.
    bot = RestAPIOutputBot(bot_id, settings=BotLibSettings)
    bot.process_message(*eventos)
    print(f"enviados: {len(eventos)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
