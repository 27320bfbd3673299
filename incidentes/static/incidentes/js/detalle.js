/* Live incident detail (incidentes/detalle.html).
 *
 * Subscribes to /ws/incidentes/<id>/ (staff: every entry; entity users: the shared ones).
 * A new timeline entry is appended at once from the event; then the server-rendered panels
 * (state bar, badges, SLA clocks, checklist, the transitions this user may fire now…) are
 * re-fetched from /incidentes/<id>/paneles/ and swapped, keeping what the user is typing.
 */
(function () {
  "use strict";

  const raiz = document.getElementById("detalle");
  if (!raiz || !window.CGII) return;
  const CGII = window.CGII;
  const textos = document.getElementById("textos-detalle").dataset;
  const t = (clave, ...valores) => {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto;
  };
  const tipos = JSON.parse(document.getElementById("tipos-entrada").textContent);
  const estados = JSON.parse(document.getElementById("estados-incidente").textContent);
  const personal = raiz.dataset.personal === "1";
  const indicador = raiz.querySelector("[data-indicador-vivo]");
  const urlPaneles = raiz.dataset.urlPaneles;

  const flujo = new CGII.Flujo(`/ws/incidentes/${raiz.dataset.incidente}/`, {
    secuencia: parseInt(raiz.dataset.secuencia, 10),
    urlSonda: urlPaneles,
  });
  CGII.incidente = flujo;

  // ---- timeline ------------------------------------------------------------------------------

  const recientes = new Map(); // entry id → when it arrived (to keep its highlight)

  function span(clase, texto) {
    const el = document.createElement("span");
    if (clase) el.className = clase;
    el.textContent = texto;
    return el;
  }

  /** The same markup as _timeline.html, built from the event (text only: no HTML). */
  function nodoEntrada(e) {
    const li = document.createElement("li");
    li.dataset.entrada = e.id;
    const delCgii = e.actor_es_cgii || e.actor === "sistema";
    li.className = `entrada tipo-${e.tipo} ${e.visible_entidad ? "compartida" : "interna"} ${delCgii ? "del-cgii" : "de-entidad"}`;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.appendChild(span("tipo-entrada", tipos[e.tipo] || e.tipo));
    const actor = e.actor === "sistema" ? t("sistema") : e.actor;
    meta.appendChild(span("", e.actor_es_cgii ? `${actor} · ${t("cgii")}` : actor));
    const cuando = document.createElement("time");
    cuando.dateTime = e.creado;
    cuando.textContent = CGII.fechaCorta(e.creado);
    meta.appendChild(cuando);
    if (personal) {
      meta.appendChild(e.visible_entidad ? span("visibilidad", t("visible"))
        : span("visibilidad interna", t("interna")));
    }
    li.appendChild(meta);
    if (e.texto) li.appendChild(Object.assign(document.createElement("div"), { className: "texto", textContent: e.texto }));
    return li;
  }

  function agregarEntrada(e) {
    const lista = document.getElementById("timeline");
    if (!lista || lista.querySelector(`[data-entrada="${e.id}"]`)) return false;
    const vacia = lista.querySelector("[data-sin-movimientos]");
    if (vacia) vacia.remove();
    const li = nodoEntrada(e);
    li.classList.add("nueva");
    lista.appendChild(li);
    recientes.set(String(e.id), Date.now());
    return true;
  }

  function resaltarRecientes() {
    const limite = Date.now() - 4000;
    for (const [id, cuando] of recientes) {
      if (cuando < limite) { recientes.delete(id); continue; }
      const li = document.querySelector(`#timeline [data-entrada="${id}"]`);
      if (li) li.classList.add("nueva");
    }
  }

  // ---- panels --------------------------------------------------------------------------------

  const estadoActual = () => {
    const el = document.getElementById("estado-actual");
    return el ? el.dataset.estado : null;
  };

  const refrescar = CGII.enSerie(async () => {
    const antes = estadoActual();
    let r;
    try {
      r = await CGII.pedir(urlPaneles, { aceptar: "text/html", redirect: "manual" });
    } catch (e) {
      return; // offline: the stream's reconnection re-fetches
    }
    if (r.type === "opaqueredirect") { flujo.detenerCon("sesion"); return; }
    if (r.status === 404) { flujo.detenerCon("no_encontrado"); return; }
    if (!r.ok) return;
    const cambiados = CGII.reemplazarPaneles(await r.text());
    resaltarRecientes();
    const despues = estadoActual();
    if (cambiados.includes("cabecera") && despues !== antes) {
      const insignia = document.getElementById("estado-actual");
      insignia.classList.add("cambio");
      document.querySelector(".barra-estados")?.classList.add("cambio");
    }
  }, 200);

  flujo.suscribir((m) => {
    const datos = m.datos || {};
    const e = datos.entrada;
    const inc = datos.incidente;
    if (e && agregarEntrada(e)) {
      if (m.tipo === "incidente.transicion" && inc) {
        CGII.anunciar(t("estado", estados[inc.estado] || inc.estado));
      } else if (["mensaje", "respuesta", "solicitud", "comentario"].includes(e.tipo)) {
        const resumen = (e.texto || "").slice(0, 140);
        CGII.anunciar(t("mensaje", e.actor === "sistema" ? t("sistema") : e.actor, resumen));
      } else {
        CGII.anunciar(t("entrada", tipos[e.tipo] || e.tipo));
      }
    }
    refrescar();
  });
  // Missed more than the server replays, or came back without a position: re-read it all.
  flujo.alResincronizar(() => refrescar(0));

  document.addEventListener("cgii:conexion", (e) => {
    if (e.detail.flujo !== flujo || !indicador) return;
    const estado = e.detail.estado;
    // Back after a drop: the replay brings the missed events; a re-read also covers a
    // refresh that failed while the server was away.
    if (estado === "conectado" && e.detail.reconexion) refrescar(0);
    indicador.dataset.estado = estado;
    indicador.textContent = estado === "conectado" ? t("enVivo")
      : estado === "caido" ? t("sinConexion") : t("detenido");
  });

  document.addEventListener("DOMContentLoaded", () => flujo.iniciar());
})();
