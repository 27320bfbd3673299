"""HTML forms of the PISI pages. They only parse and type the input; every rule that matters
(who, when, what is required) is enforced by the services, whose errors the views show as
messages."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import EstadoImplementacion, Grado, Resultado

FECHA = {"type": "date"}


class CampoFecha(forms.DateField):
    """``<input type=date>``: ISO dates in and out, whatever the locale."""

    widget = forms.DateInput(attrs=FECHA, format="%Y-%m-%d")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


# ---- create a plan ----------------------------------------------------------------------

class PlanNuevoForm(forms.Form):
    entidad = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Entidad"),
                                     empty_label=None)
    gestion = forms.IntegerField(label=gettext_lazy("Gestión"), min_value=2000, max_value=2100)
    catalogo = forms.ChoiceField(label=gettext_lazy("Catálogo de controles"))

    def __init__(self, *args, entidades, catalogos, por_defecto=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entidad"].queryset = entidades
        self.fields["catalogo"].choices = [
            (c.codigo, f"{c.nombre} ({c.n_controles} controles"
                       + ("" if c.completo else ", " + str(_("parcial"))) + ")")
            for c in catalogos]
        self.initial.setdefault("gestion", timezone.localdate().year)
        if por_defecto is not None:
            self.initial.setdefault("catalogo", por_defecto.codigo)


# ---- general data -----------------------------------------------------------------------

ROLES_COMITE = [("", "—"), ("presidente", gettext_lazy("Presidente")),
                ("secretario", gettext_lazy("Secretario(a)")),
                ("miembro", gettext_lazy("Miembro"))]
NIVELES = [("", "—"), ("bajo", gettext_lazy("Bajo")), ("medio", gettext_lazy("Medio")),
           ("alto", gettext_lazy("Alto")), ("critico", gettext_lazy("Crítico"))]
CLASIFICACIONES = [("", "—"), ("publica", gettext_lazy("Pública")),
                   ("interna", gettext_lazy("Uso interno")),
                   ("confidencial", gettext_lazy("Confidencial")),
                   ("reservada", gettext_lazy("Reservada"))]
TRATAMIENTOS = [("", "—"), ("mitigar", gettext_lazy("Mitigar")),
                ("transferir", gettext_lazy("Transferir")), ("aceptar", gettext_lazy("Aceptar")),
                ("evitar", gettext_lazy("Evitar"))]
ESCALA = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]


class DatosPlanForm(forms.Form):
    alcance = forms.CharField(label=gettext_lazy("Alcance del plan"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    rsi = forms.ModelChoiceField(queryset=None, required=False,
                                 label=gettext_lazy("Responsable de Seguridad de la Información"),
                                 empty_label="—")
    politica_aprobada_en = CampoFecha(label=gettext_lazy("Política aprobada en"))
    politica = forms.FileField(required=False, label=gettext_lazy("Documento de la política"))

    def __init__(self, *args, usuarios, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rsi"].queryset = usuarios
        self.fields["rsi"].label_from_instance = lambda u: u.get_full_name() or u.username


class FilaListaForm(forms.Form):
    """One row of a structured list; an empty row is ignored, a marked row is removed."""

    requerido = "nombre"

    def fila(self) -> dict | None:
        d = self.cleaned_data
        if not d or d.get("DELETE"):
            return None
        salida = {k: v for k, v in d.items() if k != "DELETE" and v not in ("", None, [])}
        return salida or None

    def clean(self):
        d = super().clean()
        otros = {k: v for k, v in d.items() if k not in ("DELETE", self.requerido) and v}
        if otros and not d.get(self.requerido) and not d.get("DELETE"):
            self.add_error(self.requerido, _("Obligatorio en una fila con datos."))
        return d


class MiembroComiteForm(FilaListaForm):
    nombre = forms.CharField(label=gettext_lazy("Nombre"), required=False, max_length=200)
    cargo = forms.CharField(label=gettext_lazy("Cargo"), required=False, max_length=200)
    rol = forms.ChoiceField(label=gettext_lazy("Rol en el comité"), choices=ROLES_COMITE,
                            required=False)
    unidad = forms.CharField(label=gettext_lazy("Unidad"), required=False, max_length=200)


def _formset(form, extra):
    return forms.formset_factory(form, extra=extra, can_delete=True, max_num=500,
                                 validate_max=True)


ComiteFormSet = _formset(MiembroComiteForm, 2)


def filas_de(formset) -> list[dict]:
    return [f for f in (form.fila() for form in formset.forms) if f]


def iniciales_lista(filas: list[dict], campos) -> list[dict]:
    """Stored rows as formset initial data (lists of controls back to "5.1.1, 5.1.2")."""
    salida = []
    for fila in filas or []:
        item = {}
        for c in campos:
            v = fila.get(c)
            item[c] = ", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
        salida.append(item)
    return salida


def numeros_control(texto: str) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in (texto or "").replace(";", ",").split(",")
                              if n.strip()))


# ---- Statement of Applicability grid -------------------------------------------------------

APLICA = [("", gettext_lazy("Sin decidir")), ("si", gettext_lazy("Sí")), ("no", gettext_lazy("No"))]
ESTADOS_IMPL = EstadoImplementacion.choices
MADUREZ = [(i, str(i)) for i in range(6)]


def _valor_fecha(texto: str):
    texto = (texto or "").strip()
    if not texto:
        return None
    d = parse_date(texto)
    if d is None:
        raise ValueError(texto)
    return d


def _leer_planificacion(fila, v: dict, cambio: dict, mal: list) -> None:
    """Applicability and justification of one grid row, with the service's rules
    (``soa._exigir_reglas_soa``) marked on the row at once."""
    aplica = {"si": True, "no": False, "": None}.get(v["aplica"], "x")
    if aplica == "x":
        mal.append("aplica")
        return
    if aplica != fila.aplica:
        cambio["aplica"] = aplica
    if v["justificacion"] != fila.justificacion:
        cambio["justificacion"] = v["justificacion"]
    if aplica is False and fila.control.minimo:
        mal.append("minimo")
    if aplica is not None and not v["justificacion"] and cambio:
        mal.append("justificacion")


def leer_soa(post, filas, *, planificacion: bool) -> tuple[list[dict], dict, dict]:
    """The SoA grid's POST: for each shown row, the fields that changed (``cambios`` for
    ``soa_actualizar_lote``), field errors by row id, and the values to show again.
    ``planificacion``: applicability and justification are editable (borrador/observado)."""
    cambios, errores, valores = [], {}, {}
    for fila in filas:
        pk = fila.pk
        v = {
            "aplica": post.get(f"a-{pk}", ""),
            "justificacion": post.get(f"j-{pk}", "").strip(),
            "estado_implementacion": post.get(f"e-{pk}", fila.estado_implementacion),
            "madurez": post.get(f"m-{pk}", str(fila.madurez)),
            "responsable": post.get(f"r-{pk}", "").strip(),
            "fecha_objetivo": post.get(f"f-{pk}", "").strip(),
        }
        valores[pk] = v
        cambio, mal = {}, []
        if planificacion:
            _leer_planificacion(fila, v, cambio, mal)
        if v["estado_implementacion"] not in EstadoImplementacion.values:
            mal.append("estado_implementacion")
        elif v["estado_implementacion"] != fila.estado_implementacion:
            cambio["estado_implementacion"] = v["estado_implementacion"]
        try:
            madurez = int(v["madurez"])
            if not 0 <= madurez <= 5:
                raise ValueError(madurez)
            if madurez != fila.madurez:
                cambio["madurez"] = madurez
        except (TypeError, ValueError):
            mal.append("madurez")
        if len(v["responsable"]) > 200:
            mal.append("responsable")
        elif v["responsable"] != fila.responsable:
            cambio["responsable"] = v["responsable"]
        try:
            fecha = _valor_fecha(v["fecha_objetivo"])
            if fecha != fila.fecha_objetivo:
                cambio["fecha_objetivo"] = fecha.isoformat() if fecha else None
        except ValueError:
            mal.append("fecha_objetivo")
        if mal:
            errores[pk] = mal
        elif cambio:
            cambios.append({"id": pk, **cambio})
    return cambios, errores, valores


def leer_revisiones(post, revisiones) -> tuple[list[dict], list[str]]:
    """The auditor's per-control results: only rows with a result that changed."""
    cambios, desconocidos = [], []
    for rev in revisiones:
        resultado = post.get(f"res-{rev.pk}", "")
        comentario = post.get(f"com-{rev.pk}", "").strip()
        if not resultado:
            continue
        if resultado not in Resultado.values:
            desconocidos.append(rev.aplicabilidad.control.numero)
            continue
        if resultado != rev.resultado or comentario != rev.comentario_auditor:
            cambios.append({"id": rev.aplicabilidad_id, "resultado": resultado,
                            "comentario": comentario})
    return cambios, desconocidos


# ---- schedule, evidence, follow-up, findings -----------------------------------------------

class ActividadForm(forms.Form):
    titulo = forms.CharField(label=gettext_lazy("Actividad"), max_length=200)
    descripcion = forms.CharField(label=gettext_lazy("Descripción"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    responsable = forms.CharField(label=gettext_lazy("Responsable"), required=False,
                                  max_length=200)
    inicio_planificado = CampoFecha(label=gettext_lazy("Inicio planificado"), required=True)
    fin_planificado = CampoFecha(label=gettext_lazy("Fin planificado"), required=True)
    inicio_real = CampoFecha(label=gettext_lazy("Inicio real"))
    fin_real = CampoFecha(label=gettext_lazy("Fin real"))
    avance = forms.IntegerField(label=gettext_lazy("Avance %"), min_value=0, max_value=100,
                                initial=0, required=False)
    controles = forms.CharField(label=gettext_lazy("Controles vinculados"), required=False,
                                max_length=2000,
                                help_text=gettext_lazy("Números separados por coma, p. ej. 5.1.1, 12.3.1"))

    def clean_controles(self):
        return numeros_control(self.cleaned_data.get("controles", ""))

    def clean_avance(self):
        return self.cleaned_data.get("avance") or 0


class EvidenciaForm(forms.Form):
    titulo = forms.CharField(label=gettext_lazy("Título"), required=False, max_length=255)
    descripcion = forms.CharField(label=gettext_lazy("Descripción"), required=False,
                                  max_length=4000)
    control = forms.CharField(label=gettext_lazy("Control"), required=False, max_length=20)
    actividad = forms.IntegerField(label=gettext_lazy("Actividad"), required=False)
    fecha_vencimiento = CampoFecha(label=gettext_lazy("Vence"))
    url = forms.CharField(label=gettext_lazy("Enlace"), required=False, max_length=500)
    archivo = forms.FileField(label=gettext_lazy("Archivo"), required=False)


class PeriodoForm(forms.Form):
    nombre = forms.CharField(label=gettext_lazy("Nombre"), required=False, max_length=120)
    fecha_corte = CampoFecha(label=gettext_lazy("Fecha de corte"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("fecha_corte", date(timezone.localdate().year, 12, 31))


class HallazgoForm(forms.Form):
    grado = forms.ChoiceField(label=gettext_lazy("Grado"), choices=Grado.choices)
    control = forms.CharField(label=gettext_lazy("Control"), required=False, max_length=20)
    descripcion = forms.CharField(label=gettext_lazy("Descripción"),
                                  widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    causa_raiz = forms.CharField(label=gettext_lazy("Causa raíz"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    accion_correctiva = forms.CharField(label=gettext_lazy("Acción correctiva"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}),
                                        max_length=4000)
    responsable = forms.CharField(label=gettext_lazy("Responsable"), required=False,
                                  max_length=200)
    fecha_compromiso = CampoFecha(label=gettext_lazy("Fecha compromiso"))


def errores_de(form) -> dict:
    """A form's errors as the services' ``extra`` (field → messages) for one message."""
    return {(form.fields[c].label if c in form.fields else c) or c: list(e)
            for c, e in form.errors.items()}
