/* Background report files: progress bar and download link (classic deferred script).
 *
 * Report page: the "Generar PDF/XLSX" forms ([data-generar]) are posted with fetch
 * (Accept: application/json → 202 with the file's state) and the progress panel
 * ([data-generacion]) appears on the page. Without JS the form posts and the browser lands
 * on the progress page (/reportes/generados/<id>/), which this script also drives.
 *
 * Progress arrives as `reporte.progreso` / `reporte.listo` events on the page's general
 * stream (CGII.general, opened by cgii.js — no second socket). Events can be missed (stream
 * down, or the file finished before the socket connected), so while a file is not finished
 * the script also asks /reportes/generados/<id>/ every 2 s when no event came recently.
 */
(function () {
  "use strict";

  const CGII = window.CGII || {};
  const textos = (document.getElementById("textos-reportes") || { dataset: {} }).dataset;
  const t = (clave, valor) => (textos[clave] || clave).replace("%s", valor === undefined ? "" : valor);
  const CADA_MS = 2000;
  const TERMINADOS = ["listo", "error"];

  function pedir(url, opciones = {}) {
    if (CGII.pedir) return CGII.pedir(url, opciones);
    return fetch(url, { method: opciones.metodo || "GET", headers: { Accept: "application/json" }, credentials: "same-origin", body: opciones.cuerpo });
  }

  class Seguimiento {
    constructor(panel, datos) {
      this.panel = panel;
      this.id = Number(datos.id);
      this.urlEstado = datos.url_estado;
      this.ultimoEvento = 0;
      this.terminado = false;
      this.pintar(datos);
      if (CGII.general) CGII.general.suscribir((m) => this.evento(m));
      this.reloj = setInterval(() => this.sondear(), CADA_MS);
    }

    evento(m) {
      if (!m || (m.tipo !== "reporte.progreso" && m.tipo !== "reporte.listo")) return;
      const d = m.datos || {};
      if (Number(d.reporte) !== this.id) return;
      this.ultimoEvento = Date.now();
      this.pintar(d);
    }

    async sondear() {
      if (this.terminado) return;
      // The stream is live and talking: no need to ask.
      const vivo = CGII.general && CGII.general.estado === "conectado";
      if (vivo && Date.now() - this.ultimoEvento < CADA_MS * 2) return;
      try {
        const r = await pedir(this.urlEstado);
        if (r.ok) this.pintar(await r.json());
        else if (r.status === 404) this.detener();
      } catch (e) {
        this.mensaje(t("errorRed"));
      }
    }

    detener() {
      this.terminado = true;
      clearInterval(this.reloj);
    }

    mensaje(texto) {
      this.panel.querySelector("[data-mensaje]").textContent = texto;
    }

    pintar(d) {
      if (this.terminado) return;
      const estado = d.estado || "pendiente";
      const progreso = Math.max(0, Math.min(100, Number(d.progreso) || 0));
      const barra = this.panel.querySelector("[data-barra]");
      barra.style.width = `${progreso}%`;
      barra.parentElement.setAttribute("aria-valuenow", String(progreso));
      this.panel.classList.remove("pendiente", "generando", "listo", "error");
      this.panel.classList.add(estado);
      if (d.formato) this.panel.querySelector("[data-formato]").textContent = String(d.formato).toUpperCase();
      if (estado === "error") {
        this.mensaje(d.mensaje || t("error"));
      } else if (estado === "listo") {
        this.mensaje(t("listo"));
      } else {
        this.mensaje(`${d.mensaje || t(estado === "pendiente" ? "pendiente" : "generando")} (${progreso} %)`);
      }
      if (estado === "listo" && d.url) this.mostrarEnlace(d.url, d.nombre || "");
      // `reporte.progreso` says "listo" just before `reporte.listo` brings the URL: keep
      // listening (and polling) until the link is there.
      if (estado === "error" || (estado === "listo" && d.url)) {
        this.detener();
        if (estado === "listo" && CGII.anunciar) CGII.anunciar(t("anuncioListo"));
      }
    }

    mostrarEnlace(url, nombre) {
      // Only links inside the platform.
      if (typeof url !== "string" || !url.startsWith("/") || url.startsWith("//")) return;
      const zona = this.panel.querySelector("[data-enlace]");
      const enlace = document.createElement("a");
      enlace.className = "boton";
      enlace.href = url;
      enlace.textContent = t("descargar", nombre);
      zona.replaceChildren(enlace);
      zona.hidden = false;
    }
  }

  let actual = null;

  async function generar(evento) {
    const form = evento.target.closest("form[data-generar]");
    if (!form) return;
    evento.preventDefault();
    const panel = document.querySelector("[data-generacion]");
    if (!panel) { form.submit(); return; }
    const boton = form.querySelector("button");
    boton.disabled = true;
    try {
      const r = await pedir(form.action, { metodo: "POST", cuerpo: new FormData(form) });
      if (r.status === 202) {
        const datos = await r.json();
        if (actual) actual.detener();
        panel.hidden = false;
        panel.querySelector("[data-enlace]").hidden = true;
        actual = new Seguimiento(panel, datos);
        panel.scrollIntoView({ block: "nearest" });
      } else {
        // Invalid parameters or an error page: let the server render it.
        form.submit();
      }
    } catch (e) {
      form.submit();
    } finally {
      boton.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.addEventListener("submit", generar);
    // The progress page: a file already requested (a finished one is rendered as is).
    const panel = document.querySelector("[data-generacion][data-reporte]");
    if (panel && !TERMINADOS.includes(panel.dataset.estado)) {
      actual = new Seguimiento(panel, {
        id: panel.dataset.reporte, url_estado: panel.dataset.urlEstado,
        estado: panel.dataset.estado, progreso: panel.querySelector("[role=progressbar]").getAttribute("aria-valuenow"),
      });
      actual.sondear();
    }
  });
})();
