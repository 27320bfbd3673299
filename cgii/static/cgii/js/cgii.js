/* CGII front-end core (classic deferred script, no build step, no dependency).
 *
 * window.CGII offers:
 *   Flujo          a live event stream (websocket) that never silently misses an event:
 *                  resumes with ?desde=<last position the server confirmed>, de-duplicates
 *                  by event id,
 *                  reconnects with backoff (0.5 s doubling to 15 s, with jitter) and shows
 *                  the "reconectando…" banner while down. See docs/consola.md.
 *   general        the user's general stream (/ws/eventos/), started on DOMContentLoaded;
 *                  page scripts subscribe to it before that (they are deferred too).
 *   pedir          fetch with the CSRF token and the session cookie.
 *   reemplazarPaneles  swap server-rendered [data-panel] fragments, keeping what the user
 *                  is typing, which <details> are open, and the focus.
 *   anunciar / avisar  screen-reader announcement / visible toast.
 * plus the notification bell of the header.
 */
(function () {
  "use strict";

  const CGII = (window.CGII = window.CGII || {});
  const textos = (document.getElementById("textos-cgii") || { dataset: {} }).dataset;
  CGII.t = function (clave, ...valores) {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto;
  };

  // ---- requests ----------------------------------------------------------------------------

  // Leaving a page aborts its requests, and Firefox then rejects a pending body read
  // (r.json(), r.text()) with an AbortError that no handler awaits any more. That is the
  // user navigating, never a fault: keep it out of the console (the Firefox walk saw it).
  window.addEventListener("unhandledrejection", (e) => {
    if (e.reason && e.reason.name === "AbortError") e.preventDefault();
  });

  CGII.csrf = function () {
    const meta = document.querySelector("meta[name=csrf-token]");
    if (meta && meta.content) return meta.content;
    const campo = document.querySelector("input[name=csrfmiddlewaretoken]");
    return campo ? campo.value : "";
  };

  /** fetch() with the session cookie; non-GET requests carry the CSRF token. */
  CGII.pedir = function (url, opciones = {}) {
    const metodo = (opciones.metodo || "GET").toUpperCase();
    const cabeceras = { Accept: opciones.aceptar || "application/json" };
    let cuerpo = opciones.cuerpo;
    if (metodo !== "GET") cabeceras["X-CSRFToken"] = CGII.csrf();
    if (opciones.json !== undefined) {
      cabeceras["Content-Type"] = "application/json";
      cuerpo = JSON.stringify(opciones.json);
    }
    return fetch(url, {
      method: metodo, headers: cabeceras, body: cuerpo, credentials: "same-origin",
      redirect: opciones.redirect || "follow", keepalive: !!opciones.keepalive,
    });
  };

  // ---- announcements and toasts -------------------------------------------------------------

  let temporizadorAnuncio = null;
  /** Say something to screen readers (polite live region); repeated texts are re-announced. */
  CGII.anunciar = function (texto) {
    const region = document.getElementById("anuncios");
    if (!region) return;
    region.textContent = "";
    clearTimeout(temporizadorAnuncio);
    temporizadorAnuncio = setTimeout(() => { region.textContent = texto; }, 60);
  };

  /** A short visible message (bottom right) that goes away by itself. */
  CGII.avisar = function (texto, tipo = "info", segundos = 6) {
    const zona = document.getElementById("avisos");
    if (!zona) return;
    const aviso = document.createElement("div");
    aviso.className = `aviso-flotante ${tipo}`;
    aviso.textContent = texto;
    zona.appendChild(aviso);
    setTimeout(() => aviso.remove(), segundos * 1000);
  };

  // ---- time --------------------------------------------------------------------------------

  /** "2 d 3 h", "3 h 05 min", "14 min 05 s": always number and unit, the same words as the
   * server's first rendering (under an hour the seconds tick). */
  CGII.duracion = function (ms) {
    const total = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(total / 86400);
    const h = Math.floor((total % 86400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    let texto;
    if (d) texto = CGII.t("dias").replace("%d", d).replace("%h", h);
    else if (h) texto = CGII.t("horas").replace("%h", h).replace("%m", String(m).padStart(2, "0"));
    else texto = CGII.t("minutos").replace("%m", m).replace("%s", String(s).padStart(2, "0"));
    return ms < 0 ? `−${texto}` : texto;
  };

  CGII.hace = function (fecha) {
    const s = (Date.now() - new Date(fecha).getTime()) / 1000;
    if (s < 60) return CGII.t("haceSegundos");
    if (s < 3600) return CGII.t("haceMin", Math.floor(s / 60));
    if (s < 86400) return CGII.t("haceH", Math.floor(s / 3600));
    return CGII.t("haceD", Math.floor(s / 86400));
  };

  CGII.fechaCorta = function (fecha) {
    const d = new Date(fecha);
    const dos = (n) => String(n).padStart(2, "0");
    return `${dos(d.getDate())}/${dos(d.getMonth() + 1)}/${d.getFullYear()} ${dos(d.getHours())}:${dos(d.getMinutes())}`;
  };

  // ---- live streams --------------------------------------------------------------------------

  // Application close codes (cgii/eventos/consumers.py). A refusal *before* the handshake is
  // accepted reaches browsers as a plain 1006, so a failed first attempt is also checked
  // with an HTTP probe (urlSonda) that tells "logged out" / "no access" from "server down".
  const FINALES = { 4401: "sesion", 4403: "revocado", 4404: "no_encontrado" };
  const ESPERA_MIN = 500;
  const ESPERA_MAX = 15000;
  const MAX_IDS_VISTOS = 5000;
  const flujos = new Set();
  let saliendo = false;
  window.addEventListener("pagehide", () => { saliendo = true; });
  window.addEventListener("pageshow", () => { saliendo = false; });

  class Flujo {
    /**
     * @param ruta       "/ws/eventos/" or "/ws/incidentes/<id>/"
     * @param secuencia  stream position embedded in the page (null: live only)
     * @param urlSonda   GET that answers 200 when this user may open this stream
     */
    constructor(ruta, { secuencia = null, urlSonda = null } = {}) {
      this.ruta = ruta;
      this.secuencia = secuencia;
      this.urlSonda = urlSonda;
      this.oyentes = [];
      this.resincronizadores = [];
      this.vistos = new Set();
      this.ordenVistos = [];
      this.intentos = 0;
      this.abierto = false;
      this.estado = "inicial";
      this.ws = null;
      this.temporizador = null;
      this.iniciado = false;
      flujos.add(this);
    }

    /** fn(message) for every event, once, in stream order. */
    suscribir(fn) { this.oyentes.push(fn); return this; }

    /** fn(motivo) when events may have been lost (the page must re-read its state). */
    alResincronizar(fn) { this.resincronizadores.push(fn); return this; }

    iniciar() {
      if (this.iniciado) return this;
      this.iniciado = true;
      this.conectar();
      return this;
    }

    detener() {
      this.iniciado = false;
      clearTimeout(this.temporizador);
      if (this.ws) { const ws = this.ws; this.ws = null; ws.close(1000); }
    }

    url() {
      const protocolo = location.protocol === "https:" ? "wss:" : "ws:";
      let url = `${protocolo}//${location.host}${this.ruta}`;
      if (this.secuencia !== null) url += `${url.includes("?") ? "&" : "?"}desde=${this.secuencia}`;
      return url;
    }

    conectar() {
      clearTimeout(this.temporizador);
      this.temporizador = null;
      if (this.ws) return;
      const reconexion = this.estado !== "inicial";
      let ws;
      try {
        ws = new WebSocket(this.url());
      } catch (e) {
        this.programar();
        return;
      }
      this.ws = ws;
      this.abierto = false;
      ws.addEventListener("open", () => {
        if (ws !== this.ws) return;
        this.abierto = true;
        this.intentos = 0;
        const estabaCaido = this.estado === "caido";
        this.fijarEstado("conectado", { reconexion: reconexion });
        if (estabaCaido) CGII.anunciar(CGII.t("reconectado"));
        // Without a position the server cannot replay: whatever happened while we were
        // away must be re-read.
        if (reconexion && this.secuencia === null) this.resincronizar("sin_posicion");
      });
      ws.addEventListener("message", (e) => { if (ws === this.ws) this.recibir(e.data); });
      ws.addEventListener("close", (e) => this.cerrado(e, ws));
    }

    recibir(texto) {
      let m;
      try { m = JSON.parse(texto); } catch (e) { return; }
      // Our position comes only from the server's markers: it is the point up to which we
      // certainly have everything. An event's own secuencia is not: an earlier event may
      // still be on its way back from the server's gap check (docs/eventos.md).
      if (m.tipo === "flujo.sincronizado" || m.tipo === "flujo.posicion") {
        if (typeof m.secuencia === "number") this.secuencia = m.secuencia;
        // More was missed than the server replays: the page re-reads its state.
        if (m.completo === false) this.resincronizar("incompleto");
        return;
      }
      if (m.id !== undefined && m.id !== null) {
        if (this.vistos.has(m.id)) return; // delivery is at least once
        this.vistos.add(m.id);
        this.ordenVistos.push(m.id);
        if (this.ordenVistos.length > MAX_IDS_VISTOS) this.vistos.delete(this.ordenVistos.shift());
      }
      for (const fn of this.oyentes) {
        try { fn(m); } catch (err) { console.error(err); } // one broken listener must not stop the others
      }
    }

    resincronizar(motivo) {
      if (!this.resincronizadores.length) { location.reload(); return; }
      for (const fn of this.resincronizadores) {
        try { fn(motivo); } catch (err) { console.error(err); }
      }
    }

    cerrado(evento, ws) {
      if (ws !== this.ws) return;
      this.ws = null;
      const abierto = this.abierto;
      this.abierto = false;
      if (!this.iniciado || saliendo) return;
      const final = FINALES[evento.code];
      if (final) { this.fijarEstado(final); return; }
      this.fijarEstado("caido");
      this.programar();
      if (!abierto) this.sondear();
    }

    programar() {
      const techo = Math.min(ESPERA_MAX, ESPERA_MIN * 2 ** this.intentos);
      const espera = techo / 2 + Math.random() * (techo / 2); // jitter: 50–100 % of the step
      this.intentos += 1;
      this.proximo = Date.now() + espera;
      clearTimeout(this.temporizador);
      this.temporizador = setTimeout(() => this.conectar(), espera);
      actualizarBanner();
    }

    /** Reconnect now (banner button, the network coming back, the tab becoming visible). */
    ahora() {
      if (!this.iniciado || this.ws || this.estado !== "caido") return;
      this.intentos = 0;
      this.conectar();
    }

    async sondear() {
      if (!this.urlSonda) return;
      let r;
      try {
        r = await CGII.pedir(this.urlSonda, { redirect: "manual" });
      } catch (e) {
        return; // the server is unreachable: keep retrying
      }
      if (this.estado !== "caido") return;
      if (r.type === "opaqueredirect" || r.status === 401 || r.status === 403) {
        this.detenerCon("sesion");
      } else if (r.status === 404) {
        this.detenerCon("no_encontrado");
      }
    }

    detenerCon(estado) {
      clearTimeout(this.temporizador);
      this.iniciado = false;
      this.fijarEstado(estado);
    }

    fijarEstado(estado, extra = {}) {
      this.estado = estado;
      actualizarBanner();
      document.dispatchEvent(new CustomEvent("cgii:conexion", { detail: { flujo: this, estado, ...extra } }));
    }
  }
  CGII.Flujo = Flujo;

  // One banner for every stream of the page: the worst state wins.
  let relojBanner = null;
  function actualizarBanner() {
    const banner = document.getElementById("estado-conexion");
    if (!banner) return;
    const estados = [...flujos].filter((f) => f.estado !== "inicial").map((f) => f.estado);
    const final = ["sesion", "revocado", "no_encontrado"].find((e) => estados.includes(e));
    const caido = estados.includes("caido");
    const texto = banner.querySelector("[data-texto-conexion]");
    const reintentar = banner.querySelector("[data-reintentar]");
    const ingresar = banner.querySelector("[data-ingresar]");
    clearInterval(relojBanner);
    if (final) {
      texto.textContent = CGII.t(final === "no_encontrado" ? "noEncontrado" : final);
      reintentar.hidden = true;
      ingresar.hidden = final !== "sesion";
      banner.className = "conexion final";
      banner.hidden = false;
    } else if (caido) {
      const pintar = () => {
        const proximos = [...flujos].filter((f) => f.estado === "caido" && f.proximo)
          .map((f) => f.proximo - Date.now());
        const falta = proximos.length ? Math.max(0, Math.ceil(Math.min(...proximos) / 1000)) : 0;
        texto.textContent = falta > 1 ? CGII.t("reconectandoEn", falta) : CGII.t("reconectando");
      };
      pintar();
      relojBanner = setInterval(pintar, 1000);
      reintentar.hidden = false;
      ingresar.hidden = true;
      banner.className = "conexion";
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
    document.body.classList.toggle("sin-conexion", !!(final || caido));
  }

  const reintentarTodos = () => flujos.forEach((f) => f.ahora());
  window.addEventListener("online", reintentarTodos);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reintentarTodos();
  });
  document.addEventListener("click", (e) => {
    if (e.target.closest("#estado-conexion [data-reintentar]")) reintentarTodos();
  });

  // The general stream of this user; page scripts subscribe before DOMContentLoaded.
  CGII.general = new Flujo("/ws/eventos/", { urlSonda: "/api/v1/yo/" });

  // ---- panels re-rendered by the server ------------------------------------------------------

  const firmas = new WeakMap();
  // The CSRF token is masked differently on every render: not a change.
  const normalizar = (html) => html.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "").trim();

  function claveCampo(el) {
    const form = el.form || el.closest("form");
    const accion = form ? form.getAttribute("action") || "" : "";
    const valor = el.type === "radio" ? el.value : "";
    return `${accion}|${el.name || el.id || ""}|${valor}`;
  }

  function claveDetails(d) {
    const resumen = d.querySelector(":scope > summary");
    return d.dataset.clave || d.dataset.fase || d.id || (resumen && resumen.dataset.abrir) || "";
  }

  function claveFoco(el) {
    if (!el || el === document.body) return null;
    if (el.id) return `#${el.id}`;
    if (el.matches("input, textarea, select")) return `campo:${claveCampo(el)}`;
    for (const atributo of ["data-transicion", "data-abrir", "data-accion", "href"]) {
      if (el.hasAttribute(atributo)) return `[${atributo}="${el.getAttribute(atributo)}"]`;
    }
    return null;
  }

  function buscarFoco(raiz, clave) {
    if (!clave) return null;
    if (clave.startsWith("campo:")) {
      const k = clave.slice(6);
      return [...raiz.querySelectorAll("input, textarea, select")].find((c) => claveCampo(c) === k) || null;
    }
    try { return raiz.querySelector(clave); } catch (e) { return null; }
  }

  /** What the user has typed, chosen or attached in a panel and not submitted yet. */
  function camposSucios(raiz) {
    const sucios = new Map();
    for (const el of raiz.querySelectorAll("input, textarea, select")) {
      if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
      const clave = claveCampo(el);
      if (el.type === "file") {
        if (el.files && el.files.length) sucios.set(clave, { nodo: el });
      } else if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked !== el.defaultChecked) sucios.set(clave, { marcado: el.checked });
      } else if (el.tagName === "SELECT") {
        if ([...el.options].some((o) => o.selected !== o.defaultSelected)) {
          sucios.set(clave, { valores: [...el.selectedOptions].map((o) => o.value) });
        }
      } else if (el.value !== el.defaultValue) {
        sucios.set(clave, { valor: el.value });
      }
    }
    return sucios;
  }

  function reemplazar(viejo, nuevo) {
    const sucios = camposSucios(viejo);
    const destinos = new Map();
    for (const el of nuevo.querySelectorAll("input, textarea, select")) destinos.set(claveCampo(el), el);
    // A form the user is writing in would disappear: keep the old panel and say so.
    if ([...sucios.keys()].some((k) => !destinos.has(k))) {
      marcarDesactualizado(viejo, nuevo);
      return false;
    }
    const abiertos = new Map();
    for (const d of viejo.querySelectorAll("details")) {
      const k = claveDetails(d);
      if (k) abiertos.set(k, d.open);
    }
    const activo = viejo.contains(document.activeElement) ? document.activeElement : null;
    const foco = claveFoco(activo);
    const seleccion = activo && "selectionStart" in activo
      ? [activo.selectionStart, activo.selectionEnd] : null;

    for (const [clave, dato] of sucios) {
      const el = destinos.get(clave);
      if (dato.nodo) el.replaceWith(dato.nodo); // a chosen file survives by moving the node
      else if ("marcado" in dato) el.checked = dato.marcado;
      else if (dato.valores) for (const o of el.options) o.selected = dato.valores.includes(o.value);
      else el.value = dato.valor;
    }
    for (const d of nuevo.querySelectorAll("details")) {
      const k = claveDetails(d);
      if (k && abiertos.has(k)) d.open = abiertos.get(k);
    }
    viejo.replaceWith(nuevo);
    const enfocar = buscarFoco(nuevo, foco);
    if (enfocar) {
      enfocar.focus({ preventScroll: true });
      if (seleccion && "setSelectionRange" in enfocar) {
        try { enfocar.setSelectionRange(seleccion[0], seleccion[1]); } catch (e) { /* not a text field */ }
      }
    }
    return true;
  }

  function marcarDesactualizado(viejo, nuevo) {
    let barra = viejo.querySelector(":scope > .panel-desactualizado");
    if (!barra) {
      barra = document.createElement("div");
      barra.className = "panel-desactualizado";
      barra.setAttribute("role", "status");
      const texto = document.createElement("span");
      texto.textContent = CGII.t("panelDesactualizado");
      const boton = document.createElement("button");
      boton.type = "button";
      boton.className = "pequeno secundario";
      boton.textContent = CGII.t("actualizar");
      barra.append(texto, boton);
      viejo.prepend(barra);
    }
    barra.querySelector("button").onclick = () => {
      firmas.set(nuevo, normalizar(nuevo.innerHTML));
      viejo.replaceWith(nuevo);
    };
  }

  /** Record the panels' server HTML (call once the page is loaded, before any change). */
  CGII.registrarPaneles = function (raiz = document) {
    for (const p of raiz.querySelectorAll("[data-panel]")) firmas.set(p, normalizar(p.innerHTML));
  };

  /**
   * Swap every [data-panel] of `html` into the page; unchanged panels are left alone.
   * Returns the names of the panels that changed.
   */
  CGII.reemplazarPaneles = function (html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const cambiados = [];
    for (const nuevoDoc of doc.querySelectorAll("[data-panel]")) {
      const nombre = nuevoDoc.dataset.panel;
      const viejo = document.querySelector(`[data-panel="${CSS.escape(nombre)}"]`);
      if (!viejo) continue;
      const firma = normalizar(nuevoDoc.innerHTML);
      if (firmas.get(viejo) === firma) continue;
      const nuevo = document.importNode(nuevoDoc, true);
      firmas.set(nuevo, firma);
      if (reemplazar(viejo, nuevo)) cambiados.push(nombre);
    }
    if (cambiados.length) CGII.desplazables();
    return cambiados;
  };

  /** Run fn at most once per `ms` for a burst of calls, never two at a time. */
  CGII.enSerie = function (fn, ms = 150) {
    let temporizador = null;
    let enCurso = false;
    let pendiente = false;
    const correr = async () => {
      temporizador = null;
      if (enCurso) { pendiente = true; return; }
      enCurso = true;
      try { await fn(); } catch (e) { console.error(e); }
      enCurso = false;
      if (pendiente) { pendiente = false; programar(); }
    };
    const programar = (espera = ms) => {
      if (temporizador === null) temporizador = setTimeout(correr, espera);
    };
    return programar;
  };

  // ---- notification bell ---------------------------------------------------------------------

  function iniciarCampana() {
    const campana = document.getElementById("campana");
    if (!campana) return;
    const boton = campana.querySelector("#boton-campana");
    const panel = campana.querySelector("#panel-notificaciones");
    const lista = campana.querySelector("[data-lista-notificaciones]");
    const vacio = campana.querySelector("[data-vacio-notificaciones]");
    const contador = campana.querySelector("[data-contador-campana]");
    const textoBoton = campana.querySelector("[data-texto-campana]");
    const urlLista = campana.dataset.urlLista;
    const urlLeidas = campana.dataset.urlLeidas;
    const notificaciones = new Map();

    function fijarNoLeidas(n) {
      contador.textContent = n > 99 ? "99+" : String(n);
      contador.hidden = !n;
      textoBoton.textContent = n ? CGII.t("notificacionesN", n) : CGII.t("notificaciones");
      campana.dataset.noLeidas = String(n);
    }

    function item(n) {
      const li = document.createElement("li");
      li.className = n.leida ? "leida" : "no-leida";
      li.dataset.notificacion = n.id;
      // Only links inside the platform (the server writes paths like /incidentes/7/).
      const interno = typeof n.enlace === "string" && n.enlace.startsWith("/") && !n.enlace.startsWith("//");
      const enlace = document.createElement(interno ? "a" : "span");
      if (interno) enlace.href = n.enlace;
      enlace.className = "notificacion";
      const texto = document.createElement("span");
      texto.className = "texto-notificacion";
      texto.textContent = n.texto;
      if (n.cantidad > 1) {
        const cuantas = document.createElement("span");
        cuantas.className = "cantidad-notificacion";
        cuantas.textContent = ` ${CGII.t("novedades", n.cantidad)}`;
        texto.appendChild(cuantas);
      }
      const cuando = document.createElement("time");
      cuando.dateTime = n.creado;
      cuando.textContent = CGII.hace(n.creado);
      cuando.title = CGII.fechaCorta(n.creado);
      enlace.append(texto, cuando);
      li.appendChild(enlace);
      return li;
    }

    function pintar() {
      const ordenadas = [...notificaciones.values()].sort((a, b) => b.id - a.id).slice(0, 30);
      lista.replaceChildren(...ordenadas.map(item));
      vacio.hidden = ordenadas.length > 0;
    }

    async function cargar() {
      let r;
      try { r = await CGII.pedir(urlLista); } catch (e) { return; }
      if (r.status === 404) { campana.hidden = true; return; } // backend not mounted
      if (!r.ok) return;
      const datos = await r.json();
      campana.hidden = false;
      notificaciones.clear();
      for (const n of datos.results || []) notificaciones.set(n.id, n);
      fijarNoLeidas(datos.no_leidas || 0);
      pintar();
    }

    async function marcar(cuerpo) {
      try {
        const r = await CGII.pedir(urlLeidas, { metodo: "POST", json: cuerpo, keepalive: true });
        if (r.ok) fijarNoLeidas((await r.json()).no_leidas || 0);
      } catch (e) { /* the next load shows the truth */ }
    }

    function abrir(abierto) {
      panel.hidden = !abierto;
      boton.setAttribute("aria-expanded", String(abierto));
      if (abierto) {
        for (const t of lista.querySelectorAll("time")) t.textContent = CGII.hace(t.dateTime);
        const primero = panel.querySelector("a, button");
        if (primero) primero.focus();
      }
    }

    boton.addEventListener("click", () => abrir(panel.hidden));
    campana.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !panel.hidden) { abrir(false); boton.focus(); }
    });
    document.addEventListener("click", (e) => {
      if (!panel.hidden && !campana.contains(e.target)) abrir(false);
    });
    campana.querySelector("[data-marcar-todas]").addEventListener("click", async () => {
      for (const n of notificaciones.values()) n.leida = true;
      pintar();
      await marcar({ todas: true });
    });
    lista.addEventListener("click", async (e) => {
      const li = e.target.closest("[data-notificacion]");
      if (!li) return;
      const n = notificaciones.get(Number(li.dataset.notificacion));
      if (!n || n.leida) return;
      const enlace = e.target.closest("a");
      n.leida = true;
      if (enlace && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0) {
        e.preventDefault();
        await marcar({ ids: [n.id] });
        location.href = enlace.href;
      } else {
        marcar({ ids: [n.id] });
        pintar();
      }
    });

    CGII.general.suscribir((m) => {
      if (m.tipo !== "notificacion.nueva") return;
      const n = m.datos && m.datos.notificacion;
      if (!n || n.id === undefined) { cargar(); return; } // an older payload: re-read
      notificaciones.set(n.id, n);
      if (typeof m.datos.no_leidas === "number") fijarNoLeidas(m.datos.no_leidas);
      pintar();
      campana.classList.remove("sonando");
      void campana.offsetWidth; // restart the animation
      campana.classList.add("sonando");
      CGII.anunciar(`${CGII.t("notificaciones")}: ${n.texto}`);
    });
    // Whatever arrived while the stream was down, or before it could replay.
    CGII.general.alResincronizar(cargar);
    document.addEventListener("cgii:conexion", (e) => {
      if (e.detail.flujo === CGII.general && e.detail.estado === "conectado") cargar();
    });
  }

  // ---- main navigation on phones: the button folds the links, search and account ----------

  function iniciarMenu() {
    const boton = document.getElementById("boton-menu");
    const desplegable = document.getElementById("desplegable");
    if (!boton || !desplegable) return;
    const barra = boton.closest(".barra");
    function abrir(abierto) {
      barra.classList.toggle("menu-abierto", abierto);
      boton.setAttribute("aria-expanded", String(abierto));
    }
    boton.addEventListener("click", () => abrir(boton.getAttribute("aria-expanded") !== "true"));
    desplegable.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && barra.classList.contains("menu-abierto")) {
        abrir(false);
        boton.focus();
      }
    });
  }

  // ---- boxes that scroll on their own (tables on a phone, the timeline) ----------------------

  /** A box that scrolls by itself must be reachable by keyboard (WCAG 2.1.1): one with
   * nothing focusable inside gets tabindex=0 and a name, while (and only while) it scrolls. */
  const desplazables = "table, .timeline, .historial-plan, [data-desplazable], pre";
  CGII.desplazables = function (raiz = document) {
    for (const el of raiz.querySelectorAll(desplazables)) {
      if (el.closest(".sr-only, [hidden]")) continue;  // never focus what is not shown
      const desborda = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      const estilo = getComputedStyle(el);
      const desplaza = desborda && /(auto|scroll)/.test(estilo.overflowX + estilo.overflowY);
      if (desplaza && !el.hasAttribute("tabindex")) {
        el.tabIndex = 0;
        el.dataset.desplazableJs = "1";
        // A name for what takes the focus; lists and tables keep their own role.
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby") && el.tagName !== "TABLE") {
          if (!["UL", "OL", "PRE"].includes(el.tagName)) el.setAttribute("role", "region");
          el.setAttribute("aria-label", CGII.t("desplazable"));
        }
      } else if (!desplaza && el.dataset.desplazableJs) {
        el.removeAttribute("tabindex");
        delete el.dataset.desplazableJs;
      }
    }
  };

  // ---- start ---------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    CGII.registrarPaneles();
    iniciarMenu();
    CGII.desplazables();
    // Tabs that scroll sideways on a phone show the current one.
    for (const a of document.querySelectorAll('.pestanas [aria-current="page"]')) {
      a.parentElement.scrollLeft = a.offsetLeft - a.parentElement.offsetLeft - 16;
    }
    window.addEventListener("resize", CGII.enSerie(() => CGII.desplazables(), 250));
    if (document.body.dataset.flujo !== "1") return;
    iniciarCampana();
    const secuencia = document.body.dataset.secuencia;
    if (secuencia !== undefined && secuencia !== "") CGII.general.secuencia = parseInt(secuencia, 10);
    // Pages that only need the bell re-read it when they might have missed something; the
    // live pages register their own re-read before this point.
    if (!CGII.general.resincronizadores.length) CGII.general.alResincronizar(() => {});
    CGII.general.iniciar();
  });
})();
