/* Status page of a STIX import (indicadores/importacion.html).
 *
 * Progress arrives as "stix.importacion.progreso" events on the user's general stream
 * (CGII.general, opened by cgii.js: no second socket). While that stream is not connected,
 * or when it says events may have been lost, the page polls the small JSON status view.
 * When the import ends the page reloads: the server renders the counts and the report.
 */
(function () {
  "use strict";

  const raiz = document.getElementById("importacion");
  if (!raiz || !window.CGII) return;
  const FINALES = ["completada", "rechazada", "fallida"];
  if (FINALES.includes(raiz.dataset.estado)) return; // already rendered in full

  const id = Number(raiz.dataset.importacion);
  const urlEstado = raiz.dataset.urlEstado;
  const barra = raiz.querySelector("[data-barra]");
  const texto = raiz.querySelector("[data-texto-progreso]");
  const insignia = raiz.querySelector("[data-estado-texto]");
  const textos = (document.getElementById("textos-importacion") || { dataset: {} }).dataset;
  const nodoEstados = document.getElementById("estados-importacion");
  const estados = nodoEstados ? JSON.parse(nodoEstados.textContent) : {};
  const CONSULTA_MS = 2000;
  let terminado = false;
  let ultimo = Date.now();

  function pintar(d) {
    if (terminado || !d) return;
    ultimo = Date.now();
    const progreso = Math.max(0, Math.min(100, Number(d.progreso) || 0));
    // Never move backwards (a late poll answer after a newer event).
    if (progreso >= (Number(barra.value) || 0)) {
      barra.value = progreso;
      barra.textContent = `${progreso} %`;
      if (textos.progreso) {
        texto.textContent = textos.progreso.replace("%s", progreso)
          .replace("%s", d.procesados || 0).replace("%s", d.total || 0);
      }
    }
    const etiqueta = d.estado_texto || estados[d.estado];
    if (d.estado && insignia && etiqueta) {
      insignia.textContent = etiqueta;
      insignia.className = `estado-imp ${d.estado}`;
    }
    if (FINALES.includes(d.estado)) {
      terminado = true;
      if (textos.terminada) CGII.anunciar(textos.terminada);
      location.reload();
    }
  }

  async function consultar() {
    if (terminado) return;
    try {
      const r = await CGII.pedir(urlEstado);
      if (r.ok) pintar(await r.json());
    } catch (e) { /* offline: the next tick tries again */ }
  }

  CGII.general.suscribir((m) => {
    if (m.tipo !== "stix.importacion.progreso" || !m.datos || m.datos.importacion !== id) return;
    pintar(m.datos);
  });
  CGII.general.alResincronizar(consultar);
  document.addEventListener("cgii:conexion", (e) => {
    if (e.detail.flujo === CGII.general && e.detail.estado === "conectado") consultar();
  });
  // Polling fallback: whenever the stream is not live, and as a safety net if nothing was
  // heard for a while (a lost event must not leave the bar stuck).
  setInterval(() => {
    if (CGII.general.estado !== "conectado" || Date.now() - ultimo > 5 * CONSULTA_MS) consultar();
  }, CONSULTA_MS);
})();
