/* The dashboard (/tablero/): when an incident, SLA or PISI event arrives on the user's
 * stream, the server re-renders the panels (?parcial=1) and the page swaps them in. Bursts
 * (a sweep that marks many clocks) cost one re-read per second at most. */
(function () {
  "use strict";

  const tablero = document.getElementById("tablero");
  if (!tablero || !window.CGII) return;
  const CGII = window.CGII;

  const refrescar = CGII.enSerie(async () => {
    let r;
    try {
      r = await CGII.pedir(tablero.dataset.urlParcial, { aceptar: "text/html", redirect: "manual" });
    } catch (e) {
      return;
    }
    if (r.type === "opaqueredirect") { CGII.general.detenerCon("sesion"); return; }
    if (r.ok) CGII.reemplazarPaneles(await r.text());
  }, 1000);

  CGII.general.suscribir((m) => {
    if (/^(incidente|sla|pisi)\./.test(m.tipo)) refrescar();
  });
  CGII.general.alResincronizar(() => refrescar(0));
  document.addEventListener("cgii:conexion", (e) => {
    if (e.detail.flujo === CGII.general && e.detail.estado === "conectado" && e.detail.reconexion) refrescar(0);
  });
})();
