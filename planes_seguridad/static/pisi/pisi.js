/* PISI pages (planes_seguridad/templates): small enhancements over plain forms that work
 * without JavaScript.
 *   - filter forms marked data-autoenviar submit when a <select> changes;
 *   - the Statement of Applicability grid marks the rows changed since the page loaded,
 *     makes the justification required once a control is decided, counts pending
 *     changes in the save bar and warns before leaving with unsaved changes;
 *   - live: a review decision on this plan (pisi.transicion through the outbox and the
 *     user's general stream) shows a toast and offers to reload.
 */
(function () {
  "use strict";

  const textos = (document.getElementById("textos-pisi") || { dataset: {} }).dataset;
  const t = (clave, ...valores) => {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto;
  };

  // ---- filters ---------------------------------------------------------------------------
  for (const form of document.querySelectorAll("form[data-autoenviar]")) {
    form.addEventListener("change", (e) => {
      if (e.target.tagName === "SELECT" || e.target.type === "checkbox") form.requestSubmit();
    });
  }

  // ---- SoA grid ----------------------------------------------------------------------------
  const grilla = document.getElementById("form-soa");
  if (grilla) {
    grilla.classList.add("con-js");
    const contador = document.querySelector("#barra-soa [data-modificados]");
    const barra = document.getElementById("barra-soa");
    const textoInicial = contador ? contador.textContent : "";
    let enviando = false;

    const cambiado = (el) => {
      if (el.tagName === "SELECT") return [...el.options].some((o) => o.selected !== o.defaultSelected);
      return el.value !== el.defaultValue;
    };
    const actualizarFila = (tr) => {
      const aplica = tr.querySelector("select[data-aplica]");
      const justificacion = tr.querySelector("textarea[data-justificacion]");
      if (aplica) {
        tr.classList.toggle("no-aplica", aplica.value === "no");
        tr.classList.toggle("sin-decidir", aplica.value === "");
        if (justificacion) {
          // Every decided line carries its justification (ISO/IEC 27001 6.1.3 d).
          justificacion.required = aplica.value !== "";
          justificacion.title = aplica.value !== "" ? t("justificacion") : "";
        }
      }
      tr.classList.toggle("modificada", [...tr.querySelectorAll("input:not([type=hidden]), select, textarea")].some(cambiado));
    };
    const contar = () => {
      const n = grilla.querySelectorAll("tr.modificada").length;
      if (contador) contador.textContent = n ? t("modificados", n) : textoInicial;
      if (barra) barra.classList.toggle("sucia", n > 0);
      return n;
    };
    grilla.addEventListener("input", (e) => {
      const tr = e.target.closest("tr.fila-soa");
      if (tr) { actualizarFila(tr); contar(); }
    });
    grilla.addEventListener("change", (e) => {
      const tr = e.target.closest("tr.fila-soa");
      if (tr) { actualizarFila(tr); contar(); }
    });
    grilla.addEventListener("submit", () => { enviando = true; });
    window.addEventListener("beforeunload", (e) => {
      if (!enviando && grilla.querySelector("tr.modificada")) {
        e.preventDefault();
        e.returnValue = t("sinGuardar");
      }
    });
  }

  // ---- live notifications -------------------------------------------------------------------
  const CGII = window.CGII;
  if (!CGII || !CGII.general) return;
  const pagina = document.getElementById("plan");
  const planId = pagina ? pagina.dataset.plan : null;
  const esLista = !!document.querySelector("[data-pisi-lista]");
  if (!planId && !esLista) return;
  let avisado = false;

  const ofrecerRecarga = () => {
    if (avisado) return;
    avisado = true;
    const main = document.getElementById("contenido");
    const aviso = document.createElement("div");
    aviso.className = "panel-desactualizado";
    aviso.setAttribute("role", "status");
    const texto = document.createElement("span");
    texto.textContent = t("avisoCambio");
    const boton = document.createElement("button");
    boton.type = "button";
    boton.className = "pequeno secundario";
    boton.textContent = t("recargar");
    boton.addEventListener("click", () => location.reload());
    aviso.append(texto, boton);
    main.prepend(aviso);
  };

  CGII.general.suscribir((m) => {
    if (!m || typeof m.tipo !== "string" || !m.tipo.startsWith("pisi.")) return;
    const plan = (m.datos && m.datos.plan) || {};
    const nombre = [plan.gestion, plan.version ? `v${plan.version}` : ""].filter(Boolean).join(" ");
    if (planId && String(plan.id) !== planId) return;
    if (m.tipo === "pisi.transicion") {
      const estado = document.getElementById("estado-plan");
      if (estado && estado.dataset.estado === plan.estado) return; // already shown (our own action)
      const texto = t("estado", nombre, (m.datos.texto || "").split("\n")[0]);
      CGII.avisar(texto, "info", 10);
      CGII.anunciar(texto);
      ofrecerRecarga();
    } else if (planId && m.tipo !== "pisi.actualizado") {
      CGII.avisar(t("cambio", nombre, (m.datos.texto || "").split("\n")[0]), "info", 8);
      ofrecerRecarga();
    }
  });
})();
