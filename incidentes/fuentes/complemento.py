"""Everything the feed intake plugs into core (cgii.complementos). Periodic jobs:
periodicas.py."""

from cgii.complementos import Complemento

COMPLEMENTO = Complemento(app="fuentes")
