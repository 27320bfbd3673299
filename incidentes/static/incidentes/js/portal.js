/* The entity portal (incidentes/portal/portal.html): on every incident event of the entity's
 * general stream the panels are re-rendered by the server (?parcial=1) and swapped, keeping
 * a half-written answer; changed rows flash and the change is announced. */
(function () {
  "use strict";

  const portal = document.getElementById("portal");
  if (!portal || !window.CGII) return;
  const CGII = window.CGII;
  const textos = document.getElementById("textos-portal").dataset;
  const t = (clave, ...valores) => {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto;
  };
  const indicador = portal.querySelector("[data-indicador-vivo]");

  const fotografia = () => {
    const filas = new Map();
    for (const tr of portal.querySelectorAll("tr[data-incidente]")) filas.set(tr.dataset.incidente, tr.dataset.estado);
    const solicitudes = new Set([...portal.querySelectorAll("[data-solicitud]")].map((s) => s.dataset.solicitud));
    return { filas, solicitudes };
  };

  const refrescar = CGII.enSerie(async () => {
    const antes = fotografia();
    let r;
    try {
      r = await CGII.pedir(portal.dataset.urlPaneles, { aceptar: "text/html", redirect: "manual" });
    } catch (e) {
      return;
    }
    if (r.type === "opaqueredirect") { CGII.general.detenerCon("sesion"); return; }
    if (!r.ok) return;
    CGII.reemplazarPaneles(await r.text());
    const anuncios = [];
    for (const tr of portal.querySelectorAll("tr[data-incidente]")) {
      const previo = antes.filas.get(tr.dataset.incidente);
      if (previo !== tr.dataset.estado) {
        tr.classList.add("cambio");
        if (previo !== undefined) anuncios.push(t("estado", tr.dataset.codigo, tr.dataset.estadoTexto));
      }
    }
    for (const s of portal.querySelectorAll("[data-solicitud]")) {
      if (!antes.solicitudes.has(s.dataset.solicitud)) {
        s.classList.add("cambio");
        anuncios.push(t("nuevaSolicitud", s.querySelector("h3 a").textContent));
      }
    }
    if (anuncios.length) CGII.anunciar(anuncios.join(" "));
  }, 200);

  CGII.general.suscribir((m) => {
    if (/^(incidente|timeline|sla)\./.test(m.tipo)) refrescar();
  });
  CGII.general.alResincronizar(() => refrescar(0));

  document.addEventListener("cgii:conexion", (e) => {
    if (e.detail.flujo !== CGII.general || !indicador) return;
    const estado = e.detail.estado;
    // Back after a drop: the replay brings the missed events; a re-read also covers a
    // refresh that failed while the server was away.
    if (estado === "conectado" && e.detail.reconexion) refrescar(0);
    indicador.dataset.estado = estado;
    indicador.textContent = estado === "conectado" ? t("enVivo")
      : estado === "caido" ? t("sinConexion") : t("detenido");
  });
})();
