/* Bulk bar, filters that apply as they change, and live saved-view counts (issue 18) on the
 * console and the incident list. Without this script the same forms post and reload.
 *
 * - Selection: row checkboxes (form="form-lote") and the header box; the set of chosen ids
 *   survives the console's live row swaps (a replaced row gets its box back).
 * - The bar shows only the chosen action's fields and posts once as JSON; the answer has a
 *   result per row (refused rows are listed with their reason), then the page reloads.
 * - Filters: a change applies at once, typing after 450 ms of quiet; the URL is the filter.
 */
(function () {
  "use strict";

  const CGII = window.CGII;
  const textos = (document.getElementById("textos-triaje") || { dataset: {} }).dataset;
  const t = (clave, ...valores) => {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto;
  };

  // ---- filters that apply as they change ---------------------------------------------------

  const CLAVE_FOCO = "cgii.filtro-foco";

  function aplicarFiltros(form, campo) {
    const datos = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v !== "") datos.append(k, v);
    if (campo && campo.name) sessionStorage.setItem(CLAVE_FOCO, JSON.stringify({
      nombre: campo.name, valor: campo.type === "checkbox" ? campo.value : null,
      cursor: campo.selectionStart ?? null,
    }));
    const destino = `${form.getAttribute("action") || location.pathname}?${datos}`;
    if (destino !== location.pathname + location.search) location.assign(destino);
  }

  for (const form of document.querySelectorAll("form[data-filtros-auto]")) {
    const boton = form.querySelector("[data-boton-filtrar]");
    if (boton) boton.hidden = true;
    let espera = null;
    form.addEventListener("change", (e) => {
      if (e.target.type === "search" || e.target.type === "text") return; // typing: below
      clearTimeout(espera);
      espera = setTimeout(() => aplicarFiltros(form, e.target), 150);
    });
    form.addEventListener("input", (e) => {
      if (e.target.type !== "search" && e.target.type !== "text") return;
      clearTimeout(espera);
      espera = setTimeout(() => aplicarFiltros(form, e.target), 450);
    });
    form.addEventListener("submit", (e) => { e.preventDefault(); aplicarFiltros(form, null); });
    // Back after the reload: the field that changed keeps the focus (and the caret).
    const foco = JSON.parse(sessionStorage.getItem(CLAVE_FOCO) || "null");
    sessionStorage.removeItem(CLAVE_FOCO);
    if (foco) {
      const selector = foco.valor === null ? `[name="${CSS.escape(foco.nombre)}"]`
        : `[name="${CSS.escape(foco.nombre)}"][value="${CSS.escape(foco.valor)}"]`;
      const campo = form.querySelector(selector);
      if (campo) {
        campo.focus();
        if (foco.cursor !== null && campo.setSelectionRange) {
          try { campo.setSelectionRange(foco.cursor, foco.cursor); } catch (e) { /* type=search */ }
        }
      }
    }
  }

  // ---- selection and the bulk bar ----------------------------------------------------------

  const barra = document.querySelector("[data-barra-lote]");
  if (barra) {
    const elegidos = new Set();
    const cuenta = barra.querySelector("[data-lote-cuenta]");
    const todos = barra.querySelector("[data-lote-todos]");
    const accion = barra.querySelector("[data-lote-accion]");
    const resultado = barra.querySelector("[data-lote-resultado]");
    const tabla = document.querySelector("[data-navegable]");
    const cajaTodas = document.querySelector("[data-elegir-todas]");

    const cajas = () => [...document.querySelectorAll("input[data-elegir]")];

    function pintar() {
      for (const c of cajas()) {
        c.checked = elegidos.has(c.value);
        c.closest("tr").classList.toggle("elegida", c.checked);
      }
      const n = todos && todos.checked ? Number(barra.dataset.total || 0) : elegidos.size;
      cuenta.textContent = String(n);
      barra.classList.toggle("activa", elegidos.size > 0 || (todos && todos.checked));
      if (cajaTodas) {
        const visibles = cajas();
        cajaTodas.checked = visibles.length > 0 && visibles.every((c) => c.checked);
        cajaTodas.indeterminate = !cajaTodas.checked && visibles.some((c) => c.checked);
      }
    }

    document.addEventListener("change", (e) => {
      if (e.target.matches("input[data-elegir]")) {
        if (e.target.checked) elegidos.add(e.target.value); else elegidos.delete(e.target.value);
        pintar();
      } else if (e.target === cajaTodas) {
        for (const c of cajas()) {
          if (cajaTodas.checked) elegidos.add(c.value); else elegidos.delete(c.value);
        }
        pintar();
      } else if (e.target === todos) {
        pintar();
      }
    });

    // Live rows (consola.js swaps them): give a replaced row its box back.
    if (tabla && tabla.tBodies[0]) {
      new MutationObserver(() => pintar()).observe(tabla.tBodies[0], { childList: true });
    }

    function mostrarCampos() {
      for (const campo of barra.querySelectorAll("[data-para]")) {
        const visible = campo.dataset.para.split(" ").includes(accion.value);
        campo.hidden = !visible;
        for (const el of campo.querySelectorAll("input, select")) el.disabled = !visible;
      }
    }
    accion.addEventListener("change", mostrarCampos);
    mostrarCampos();

    barra.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!elegidos.size && !(todos && todos.checked)) {
        resultado.textContent = t("elija");
        CGII.anunciar(t("elija"));
        return;
      }
      const boton = barra.querySelector("[data-lote-aplicar]");
      boton.disabled = true;
      resultado.textContent = t("aplicando");
      const datos = new FormData(barra);
      let respuesta = {};
      let ok = false;
      try {
        const r = await CGII.pedir(barra.action, { metodo: "POST", cuerpo: datos });
        respuesta = await r.json().catch(() => ({}));
        ok = r.ok;
      } catch (err) {
        respuesta = { mensaje: CGII.t("errorRed") };
      }
      boton.disabled = false;
      const texto = respuesta.mensaje || CGII.t("errorRed");
      resultado.textContent = texto;
      CGII.anunciar(texto);
      if (!ok) { CGII.avisar(texto, "error"); return; }
      const rechazados = (respuesta.resultados || []).filter((f) => !f.ok);
      CGII.avisar(texto, rechazados.length ? "error" : "ok", rechazados.length ? 12 : 6);
      // The rows changed on the server: read the page again (the live events say the same
      // to everyone else). Refused rows stay chosen, so they can be retried.
      sessionStorage.setItem("cgii.lote-resultado", JSON.stringify({
        texto, elegidos: rechazados.map((f) => String(f.id)),
      }));
      location.reload();
    });

    const previo = JSON.parse(sessionStorage.getItem("cgii.lote-resultado") || "null");
    sessionStorage.removeItem("cgii.lote-resultado");
    if (previo) {
      resultado.textContent = previo.texto;
      for (const id of previo.elegidos) elegidos.add(id);
    }
    pintar();

    // For teclado.js: "x" toggles a row, "b" goes to the bar, "t" on a row without its own
    // "Tomar" button (the list) takes it through the bar: that row alone.
    window.CGIITriaje = {
      tomar(tr) {
        const caja = tr && tr.querySelector("input[data-elegir]");
        if (!caja || ![...accion.options].some((o) => o.value === "tomar")) return;
        elegidos.clear();
        elegidos.add(caja.value);
        if (todos) todos.checked = false;
        accion.value = "tomar";
        mostrarCampos();
        pintar();
        barra.requestSubmit();
      },
      alternar(tr) {
        const caja = tr && tr.querySelector("input[data-elegir]");
        if (!caja) return;
        caja.checked = !caja.checked;
        caja.dispatchEvent(new Event("change", { bubbles: true }));
      },
      irABarra(nombreAccion) {
        if (nombreAccion && [...accion.options].some((o) => o.value === nombreAccion)) {
          accion.value = nombreAccion;
          mostrarCampos();
          const campo = barra.querySelector(`[data-para~="${nombreAccion}"] select, [data-para~="${nombreAccion}"] input`);
          (campo || accion).focus();
        } else {
          accion.focus();
        }
      },
    };
  }

  // ---- saved views: live counts ------------------------------------------------------------

  const vistas = document.querySelector("[data-vistas]");
  if (vistas && CGII && CGII.general && vistas.querySelector("[data-cuenta-vista]")) {
    const recontar = CGII.enSerie(async () => {
      let datos;
      try {
        const r = await CGII.pedir(vistas.dataset.urlCuentas);
        if (!r.ok) return;
        datos = await r.json();
      } catch (e) { return; }
      for (const el of vistas.querySelectorAll("[data-cuenta-vista]")) {
        // textos: what the chip shows («más de 1000» past the server's cap).
        const id = el.dataset.cuentaVista;
        const n = (datos.textos || {})[id] ?? datos.cuentas[id];
        if (n !== undefined && String(n) !== el.textContent) el.textContent = n;
      }
    }, 2000);
    CGII.general.suscribir((m) => {
      if (/^(incidente|sla)\./.test(m.tipo || "")) recontar();
    });
  }
})();
