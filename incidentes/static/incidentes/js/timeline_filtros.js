/**
 * Timeline filters without a reload (incidentes/timeline_filtros.py renders the same
 * result server-side for a GET without JavaScript). Entries are classified by their
 * `tipo-…` class and `compartida`/`interna`, so the ones detalle.js appends live, or the
 * panel it re-renders after an event, are filtered as well (a MutationObserver).
 */
(() => {
  "use strict";
  const form = document.querySelector("[data-filtros-timeline]");
  const caja = document.getElementById("linea-de-tiempo");
  const mapaNodo = document.getElementById("mapa-timeline");
  if (!form || !caja || !mapaNodo) return;
  const mapa = JSON.parse(mapaNodo.textContent);
  const sinCoincidencias = document.querySelector("[data-sin-coincidencias]");
  const quitar = form.querySelector("[data-quitar-filtros]");
  form.querySelectorAll("[data-sin-js]").forEach((b) => { b.hidden = true; });

  const estado = () => {
    const ver = new Set([...form.querySelectorAll('input[name="ver"]:checked')].map((i) => i.value));
    const sel = form.querySelector('select[name="visibilidad"]');
    return { ver, visibilidad: sel ? sel.value : "" };
  };

  const categoria = (li) => {
    const clase = [...li.classList].find((c) => c.startsWith("tipo-"));
    return (clase && mapa[clase.slice(5)]) || "otros";
  };

  let aplicando = false;
  const aplicar = () => {
    const { ver, visibilidad } = estado();
    let visibles = 0;
    let total = 0;
    aplicando = true;
    caja.querySelectorAll("#timeline li.entrada").forEach((li) => {
      total += 1;
      const compartida = li.classList.contains("compartida");
      const oculta = (ver.size > 0 && !ver.has(categoria(li)))
        || (visibilidad === "compartida" && !compartida)
        || (visibilidad === "interna" && compartida);
      if (li.hidden !== oculta) li.hidden = oculta;
      visibles += oculta ? 0 : 1;
    });
    aplicando = false;
    if (sinCoincidencias) sinCoincidencias.hidden = visibles > 0 || total === 0;
    if (quitar) quitar.hidden = ver.size === 0 && !visibilidad;
  };

  const url = () => {
    const { ver, visibilidad } = estado();
    const q = new URLSearchParams(window.location.search);
    q.delete("ver");
    q.delete("visibilidad");
    ver.forEach((v) => q.append("ver", v));
    if (visibilidad) q.set("visibilidad", visibilidad);
    const texto = q.toString();
    return `${window.location.pathname}${texto ? `?${texto}` : ""}#linea-de-tiempo`;
  };

  form.addEventListener("change", () => {
    aplicar();
    window.history.replaceState(window.history.state, "", url());
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    aplicar();
  });
  if (quitar) {
    quitar.addEventListener("click", (ev) => {
      ev.preventDefault();
      form.querySelectorAll('input[name="ver"]').forEach((i) => { i.checked = false; });
      const sel = form.querySelector('select[name="visibilidad"]');
      if (sel) sel.value = "";
      form.dispatchEvent(new Event("change"));
    });
  }
  new MutationObserver(() => { if (!aplicando) aplicar(); })
    .observe(caja, { childList: true, subtree: true });
  aplicar();
})();
