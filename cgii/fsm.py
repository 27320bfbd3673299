"""One state-change mechanism for every FSM of the platform (incidents, PISI plans,
follow-up periods).

A domain declares its machine once (``Maquina``: the transition names and labels, the words
its messages use, the transitions only the system fires) and its transitions with
django-fsm's ``@transition(permission=…, conditions=[…])``. This module does the rest, the
same way for all of them:

- **permission** from the transition's own ``permission=`` declaration, read through
  django-fsm's ``has_transition_perm`` (the only place a role is checked, both to refuse a
  request and to list what a user may fire);
- **state**: the transition must exist from the current state;
- **conditions**: pure functions of the instance, each with a Spanish ``motivo``; the
  refusal carries all the unmet reasons;
- the **transition**, ``save(update_fields=…)`` guarded by ``ConcurrentTransitionMixin``
  (a lost race is a 409), then the domain's **constancia**: one history row, one audit
  row and the outbox event (``dejar_constancia`` writes the last two for every domain).

Callers run ``ejecutar`` (opens the transaction and locks the row through the domain's
tenant-scoped selector) or, when chaining transitions inside a transaction of their own,
``transicionar`` on an instance they already locked.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, Transition, has_transition_perm

from cgii.errores import ConflictoConcurrencia, ErrorValidacion, PermisoDenegado, TransicionInvalida


def es_sistema(actor) -> bool:
    return bool(getattr(actor, "es_sistema", False))


def actor_real(actor):
    """The user to store as actor (None for the system actor)."""
    return None if es_sistema(actor) else actor


def condicion(motivo):
    """Decorator: a pure condition with the Spanish reason shown when it fails."""
    def marcar(funcion):
        funcion.motivo = motivo
        return funcion
    return marcar


def motivo_de(condicion_fsm, obj=None) -> str:
    """The condition's Spanish reason; a condition may also declare ``detalle(obj)`` (pure,
    reading what the service pre-loaded) to say which items fail, appended to it."""
    texto = str(getattr(condicion_fsm, "motivo", condicion_fsm.__name__))
    detalle = getattr(condicion_fsm, "detalle", None)
    if obj is not None and detalle is not None:
        extra = detalle(obj)
        if extra:
            texto = f"{texto} {extra}"
    return texto


@dataclass(frozen=True)
class Maquina:
    """What one FSM tells the mechanism about itself."""

    transiciones: type[models.TextChoices]      # names and Spanish labels
    estados: type[models.TextChoices]
    sujeto: str                                 # "un incidente": «No se puede «X» un incidente…»
    sin_permiso: str                            # message with %(t)s for the label
    campo: str = "estado"
    solo_sistema: frozenset[str] = frozenset()  # fired by the system actor only, never listed
    # Fields a transition may receive with it (a small form next to the button).
    campos: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def etiqueta(self, nombre: str) -> str:
        return str(self.transiciones(nombre).label)


@dataclass
class Cambio:
    """What a transition did: read by the domain to write its history and effects."""

    objeto: Any
    transicion: str
    antes: str
    despues: str
    actor: Any
    momento: Any
    campos: set[str]


@dataclass(frozen=True)
class Opcion:
    """One transition a user may fire from the current state, available now or not."""

    nombre: str
    etiqueta: str
    destino: str
    disponible: bool
    motivos: tuple[str, ...]
    campos: tuple[str, ...] = ()


# ---- reading the declaration ----------------------------------------------------------------

def _estado(obj, maquina: Maquina) -> str:
    return getattr(obj, maquina.campo)


def _metodo(obj, nombre: str):
    return getattr(obj, nombre)


def _transicion_desde(obj, maquina: Maquina, nombre: str) -> Transition | None:
    return _metodo(obj, nombre)._django_fsm.get_transition(_estado(obj, maquina))


def permitida(obj, nombre: str, usuario) -> bool:
    """The transition's ``permission=`` for ``usuario`` on ``obj``, whatever the state
    (a role that may never fire it is a 403 even where the state would refuse it too)."""
    meta = _metodo(obj, nombre)._django_fsm
    estado = meta.field.get_state(obj)
    if meta.has_transition(estado):
        return meta.has_transition_perm(obj, estado, usuario)
    # Every source of one transition method shares its permission declaration.
    return any(t.has_perm(obj, usuario) for t in meta.transitions.values())


def motivos(obj, trans: Transition) -> list[str]:
    """Spanish reasons of the unmet conditions of ``trans`` (conditions are pure)."""
    return [motivo_de(c, obj) for c in (trans.conditions or ()) if not c(obj)]


def validar_nombre(maquina: Maquina, nombre: str, actor) -> None:
    """An unknown transition, or a system one asked by a person, is a 400."""
    if nombre not in maquina.transiciones.values or (
            nombre in maquina.solo_sistema and not es_sistema(actor)):
        raise ErrorValidacion(extra={"transicion": [_("Transición desconocida.")]})


def opciones(obj, maquina: Maquina, usuario) -> list[Opcion]:
    """Transitions ``usuario`` may fire from the current state (django-fsm's permission
    declaration decides), each with whether its conditions hold now and, if not, why."""
    estado = _estado(obj, maquina)
    resultado = []
    for trans in obj._meta.get_field(maquina.campo).get_all_transitions(type(obj)):
        if trans.source != estado or trans.name in maquina.solo_sistema:
            continue
        if not trans.has_perm(obj, usuario):
            continue
        faltan = tuple(motivos(obj, trans))
        destino = trans.target if isinstance(trans.target, str) else ""
        resultado.append(Opcion(nombre=trans.name, etiqueta=maquina.etiqueta(trans.name),
                                destino=str(destino), disponible=not faltan, motivos=faltan,
                                campos=tuple(maquina.campos.get(trans.name, ()))))
    return resultado


def describir(modelo, maquina: Maquina) -> tuple[list[tuple], dict]:
    """The machine as data: ([(name, label, sources, target or None)], {state: label}) —
    for diagrams of apps that may not import the model's app (protocolos)."""
    campo = modelo._meta.get_field(maquina.campo)
    salida: dict[str, list] = {}
    for t in campo.get_all_transitions(modelo):
        destino = t.target if isinstance(t.target, str) else None
        salida.setdefault(t.name, [t.name, maquina.etiqueta(t.name), [], destino])[2].append(
            t.source)
    return [tuple(v) for v in salida.values()], dict(campo.choices)


# ---- firing one ---------------------------------------------------------------------------

def comprobar(obj, maquina: Maquina, *, actor, transicion: str,
              preparar: Callable[[Any], Iterable[str]] | None = None,
              extra: Callable[[Any], dict] | None = None) -> set[str]:
    """Permission (403) → state (409) → ``preparar`` (sets the fields typed with the
    transition; returns their names) → conditions (409 with every reason). Returns the
    fields ``preparar`` changed."""
    etiqueta = maquina.etiqueta(transicion)
    if not permitida(obj, transicion, actor):
        raise PermisoDenegado(maquina.sin_permiso % {"t": etiqueta})
    trans = _transicion_desde(obj, maquina, transicion)
    if trans is None:
        estado = _estado(obj, maquina)
        raise TransicionInvalida(
            _("No se puede «%(t)s» %(s)s en estado «%(e)s».")
            % {"t": etiqueta, "s": maquina.sujeto, "e": maquina.estados(estado).label},
            extra={"estado": estado})
    cambiados = set(preparar(obj) or ()) if preparar else set()
    faltan = motivos(obj, trans)
    if faltan:
        raise TransicionInvalida(faltan[0], extra={"condiciones": faltan,
                                                   **(extra(obj) if extra else {})})
    # The single gate, as django-fsm defines it: state, conditions and permission together.
    if not has_transition_perm(_metodo(obj, transicion), actor):
        raise PermisoDenegado(maquina.sin_permiso % {"t": etiqueta})
    return cambiados


def transicionar(
    obj,
    maquina: Maquina,
    *,
    actor,
    transicion: str,
    constancia: Callable[[Cambio], Any],
    preparar: Callable[[Any], Iterable[str]] | None = None,
    efectos: Callable[[Cambio], Iterable[str]] | None = None,
    campos: Iterable[str] = (),
    extra: Callable[[Any], dict] | None = None,
) -> Cambio:
    """Fire ``transicion`` on ``obj``, already locked inside the caller's transaction.

    ``efectos(cambio)`` sets the domain's own fields after the state moved (timestamps,
    codes) and returns their names; ``campos`` are the fields the transition bodies may
    touch. ``constancia(cambio)`` is the domain's one history row (plus audit row and outbox
    event through ``dejar_constancia``), called once, after the guarded save.
    """
    cambiados = comprobar(obj, maquina, actor=actor, transicion=transicion, preparar=preparar,
                          extra=extra)
    antes = _estado(obj, maquina)
    _metodo(obj, transicion)()
    cambio = Cambio(objeto=obj, transicion=transicion, antes=antes,
                    despues=_estado(obj, maquina), actor=actor, momento=timezone.now(),
                    campos={maquina.campo, *campos, *cambiados})
    if efectos:
        cambio.campos.update(efectos(cambio) or ())
    try:
        obj.save(update_fields=sorted(cambio.campos))
    except ConcurrentTransition:
        raise ConflictoConcurrencia() from None
    constancia(cambio)
    return cambio


def ejecutar(bloquear: Callable[[], Any], maquina: Maquina, *, actor, transicion: str,
             **opciones_transicion) -> Cambio:
    """``transaction.atomic()`` → ``bloquear()`` (the domain's tenant-scoped
    ``select_for_update``; another tenant's object is a 404) → ``transicionar``."""
    validar_nombre(maquina, transicion, actor)
    with transaction.atomic():
        obj = bloquear()
        return transicionar(obj, maquina, actor=actor, transicion=transicion,
                            **opciones_transicion)


def texto_cambio(maquina: Maquina, cambio: Cambio, comentario: str = "") -> str:
    """«Antes → después» plus the comment: the default history text of a transition."""
    texto = _("%(de)s → %(a)s") % {"de": maquina.estados(cambio.antes).label,
                                   "a": maquina.estados(cambio.despues).label}
    return f"{texto}\n{comentario}" if comentario else texto


# ---- the record every change leaves ---------------------------------------------------------

def dejar_constancia(*, actor, accion: str, objeto, entidad_id: int | None,
                     evento: str, datos_evento: dict, grupos: list[str],
                     antes: dict | None = None, despues: dict | None = None,
                     datos: dict | None = None) -> None:
    """The audit row and the outbox event that go with a domain's history row, inside the
    caller's transaction (nothing leaves the process before commit)."""
    # Imported here: states modules import this one while the models load.
    from cgii.auditoria.services import auditoria_registrar
    from cgii.eventos.services import evento_emitir

    auditoria_registrar(actor=actor_real(actor), accion=accion, objeto=objeto,
                        entidad_id=entidad_id, antes=antes, despues=despues, datos=datos or {})
    evento_emitir(tipo=evento, datos=datos_evento, grupos=grupos, entidad_id=entidad_id)
