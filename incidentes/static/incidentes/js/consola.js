/* The analysts' live console (incidentes/consola/consola.html).
 *
 * Rows come from the server: on every incident event of the general stream the ids it
 * touched are re-read in one request to /incidentes/consola/filas/?ids=…&<active filters>,
 * which answers each row's HTML (same template as the page) or null when the incident no
 * longer matches the filters, plus the counters. So a live row always respects the filter.
 * The countdown is computed here every second from the server's deadline (data-vence),
 * corrected by the server/browser clock offset.
 */
(function () {
  "use strict";

  const consola = document.getElementById("consola");
  if (!consola || !window.CGII) return;
  const CGII = window.CGII;
  const cuerpo = consola.querySelector("[data-filas]");
  const vacio = consola.querySelector("[data-vacio]");
  const indicador = consola.querySelector("[data-indicador-vivo]");
  const textos = document.getElementById("textos-consola").dataset;
  const t = (clave, ...valores) => {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto;
  };

  // Server time minus browser time: countdowns use the server's clock.
  let desfase = Date.parse(consola.dataset.ahora) - Date.now();
  if (!Number.isFinite(desfase)) desfase = 0;
  const ahora = () => Date.now() + desfase;

  // ---- countdowns ------------------------------------------------------------------------

  const TEXTO_SLA = { advertencia: "porVencer", incumplido: "vencido" };

  function pintarFila(tr, momento) {
    if (!tr.dataset.vence) return;
    const vence = Date.parse(tr.dataset.vence);
    const restante = vence - momento;
    const cuenta = tr.querySelector("[data-cuenta]");
    if (cuenta) cuenta.textContent = CGII.duracion(restante);
    // The server's SLA state only changes when its monitor runs (every 30 s): the row turns
    // amber or red on time here, and the next event confirms it.
    let estado = tr.dataset.estadoSla;
    if (restante <= 0) estado = "incumplido";
    else if (estado === "ok" && tr.dataset.advertencia && momento >= Date.parse(tr.dataset.advertencia)) {
      estado = "advertencia";
    }
    if (estado !== tr.dataset.estadoSla && tr.dataset.vista !== estado) {
      tr.dataset.vista = estado;
      tr.classList.remove(`sla-${tr.dataset.estadoSla}`, "sla-advertencia", "sla-incumplido");
      tr.classList.add(`sla-${estado}`);
      const insignia = tr.querySelector("[data-sla-texto]");
      if (insignia) {
        insignia.className = `sla ${estado}`;
        insignia.textContent = t(TEXTO_SLA[estado]);
      }
    }
  }

  function tic() {
    const momento = ahora();
    for (const tr of cuerpo.rows) pintarFila(tr, momento);
  }

  function refrescarHace() {
    for (const el of cuerpo.querySelectorAll("time[data-hace]")) el.textContent = CGII.hace(el.dateTime);
  }

  // ---- rows --------------------------------------------------------------------------------

  function clave(tr) {
    const vence = tr.dataset.vence ? Date.parse(tr.dataset.vence) : Infinity;
    return [vence, -Date.parse(tr.dataset.creado), -Number(tr.dataset.id)];
  }

  function va_antes(a, b) {
    for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  }

  /** Put the row where the SLA-urgency order wants it (vence asc, then newest). */
  function colocar(tr) {
    const k = clave(tr);
    for (const otra of cuerpo.rows) {
      if (otra !== tr && va_antes(k, clave(otra))) {
        if (tr.nextElementSibling !== otra) cuerpo.insertBefore(tr, otra);
        return;
      }
    }
    if (cuerpo.lastElementChild !== tr) cuerpo.appendChild(tr);
  }

  function desdeHtml(html) {
    const plantilla = document.createElement("template");
    plantilla.innerHTML = html.trim();
    return plantilla.content.firstElementChild;
  }

  function destello(el, clase = "cambio") {
    el.classList.remove(clase);
    void el.offsetWidth;
    el.classList.add(clase);
    setTimeout(() => el.classList.remove(clase), 2500);
  }

  function marcarNueva(tr) {
    tr.classList.add("nueva");
    const apagar = () => tr.classList.remove("nueva");
    tr.addEventListener("focusin", apagar, { once: true });
    tr.addEventListener("click", apagar, { once: true });
    setTimeout(apagar, 5 * 60 * 1000);
  }

  function focoEquivalente(tr) {
    return tr.querySelector("[data-accion]") || tr.querySelector(".codigo-fila");
  }

  function quitar(tr) {
    if (tr.contains(document.activeElement)) {
      const otra = tr.nextElementSibling || tr.previousElementSibling;
      if (otra) focoEquivalente(otra).focus();
    }
    CGII.anunciar(t("fueraFiltro", tr.dataset.codigo));
    tr.remove();
  }

  // Incidents whose rows must be re-read, and which of them were just created.
  const pendientes = new Set();
  const creados = new Set();

  const refrescar = CGII.enSerie(async () => {
    if (!pendientes.size) return;
    const ids = [...pendientes].slice(0, 50);
    ids.forEach((id) => pendientes.delete(id));
    const parametros = new URLSearchParams(consola.dataset.filtros);
    parametros.set("ids", ids.join(","));
    parametros.set("volver", location.pathname + location.search);
    let datos;
    try {
      const r = await CGII.pedir(`${consola.dataset.urlFilas}?${parametros}`);
      if (!r.ok) throw new Error(String(r.status));
      datos = await r.json();
    } catch (e) {
      ids.forEach((id) => pendientes.add(id)); // try again shortly (or when the stream is back)
      setTimeout(() => refrescar(), 3000);
      return;
    }
    const servidor = Date.parse(datos.ahora);
    if (Number.isFinite(servidor)) desfase = servidor - Date.now();
    for (const [id, html] of Object.entries(datos.filas)) aplicarFila(id, html);
    pintarContadores(datos.contadores);
    vacio.hidden = cuerpo.rows.length > 0;
    tic();
    if (pendientes.size) refrescar();
  }, 120);

  function aplicarFila(id, html) {
    const vieja = document.getElementById(`fila-${id}`);
    const nueva_ = creados.has(id);
    creados.delete(id);
    if (html === null) {
      if (vieja) quitar(vieja);
      return;
    }
    const tr = desdeHtml(html);
    if (vieja) {
      const teniaFoco = vieja.contains(document.activeElement);
      if (vieja.classList.contains("nueva")) marcarNueva(tr);
      vieja.replaceWith(tr);
      colocar(tr);
      if (teniaFoco) focoEquivalente(tr).focus({ preventScroll: true });
      destello(tr);
    } else {
      colocar(tr);
      if (nueva_) {
        marcarNueva(tr);
        alertarNuevo(tr);
      } else {
        destello(tr);
      }
    }
  }

  function pintarContadores(contadores) {
    for (const el of consola.querySelectorAll("[data-contador]")) {
      const valor = contadores[el.dataset.contador];
      if (valor === undefined || String(valor) === el.textContent) continue;
      el.textContent = valor;
      destello(el.closest("li"));
    }
  }

  // ---- alerts: sound and desktop notifications (both opt-in) ---------------------------------

  const sonido = document.getElementById("sonido");
  const escritorio = document.getElementById("escritorio");
  let audio = null;
  let sonidoActivo = localStorage.getItem("cgii.sonido") === "1";
  let escritorioActivo = localStorage.getItem("cgii.escritorio") === "1";

  function contextoAudio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) audio = new Ctx();
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  function pitido(grave = false) {
    if (!sonidoActivo) return;
    const ctx = contextoAudio();
    if (!ctx) return;
    const inicio = ctx.currentTime + 0.01;
    const notas = grave ? [440, 330] : [880];
    notas.forEach((frecuencia, i) => {
      const osc = ctx.createOscillator();
      const volumen = ctx.createGain();
      const t0 = inicio + i * 0.22;
      osc.type = "sine";
      osc.frequency.value = frecuencia;
      volumen.gain.setValueAtTime(0.0001, t0);
      volumen.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
      volumen.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.2);
      osc.connect(volumen).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.21);
    });
  }

  function pintarInterruptores() {
    sonido.setAttribute("aria-pressed", String(sonidoActivo));
    if (!("Notification" in window)) return;
    escritorio.hidden = false;
    const bloqueado = Notification.permission === "denied";
    escritorio.disabled = bloqueado;
    escritorio.title = bloqueado ? escritorio.dataset.bloqueado : "";
    escritorio.setAttribute("aria-pressed", String(escritorioActivo && Notification.permission === "granted"));
  }

  sonido.addEventListener("click", () => {
    sonidoActivo = !sonidoActivo;
    localStorage.setItem("cgii.sonido", sonidoActivo ? "1" : "0");
    pintarInterruptores();
    if (sonidoActivo) { pitido(); CGII.anunciar(t("sonidoActivo")); }
  });
  // Browsers start audio only after a gesture: the first one on the page wakes it up.
  const despertar = () => { if (sonidoActivo) contextoAudio(); };
  document.addEventListener("pointerdown", despertar, { once: true });
  document.addEventListener("keydown", despertar, { once: true });

  escritorio.addEventListener("click", async () => {
    if (Notification.permission === "default") {
      const permiso = await Notification.requestPermission();
      escritorioActivo = permiso === "granted";
    } else {
      escritorioActivo = !escritorioActivo;
    }
    localStorage.setItem("cgii.escritorio", escritorioActivo ? "1" : "0");
    pintarInterruptores();
    if (escritorioActivo) CGII.anunciar(t("escritorioActivo"));
  });

  function avisoEscritorio(titulo, texto, enlace, etiqueta) {
    if (!escritorioActivo || !("Notification" in window) || Notification.permission !== "granted") return;
    if (document.hasFocus()) return; // the highlighted row says it already
    try {
      const aviso = new Notification(titulo, { body: texto, tag: etiqueta });
      aviso.onclick = () => { window.focus(); location.href = enlace; aviso.close(); };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }

  function alertarNuevo(tr) {
    const codigo = tr.dataset.codigo;
    const titulo = tr.querySelector(".titulo-fila").textContent.trim();
    const prioridad = tr.querySelector(".prioridad").textContent.trim();
    const texto = t("nuevo", codigo, `${titulo} (${prioridad})`);
    CGII.anunciar(texto);
    pitido();
    avisoEscritorio(texto, tr.querySelector(".col-entidad").textContent.trim(),
      tr.querySelector(".codigo-fila").href, `cgii-${codigo}`);
  }

  // ---- one-click actions -------------------------------------------------------------------

  async function enviar(url, datos, id) {
    try {
      const r = await CGII.pedir(url, { metodo: "POST", cuerpo: datos });
      const respuesta = await r.json().catch(() => ({}));
      const texto = respuesta.mensaje || CGII.t("errorRed");
      CGII.avisar(texto, r.ok ? "ok" : "error");
      CGII.anunciar(texto);
    } catch (e) {
      CGII.avisar(CGII.t("errorRed"), "error");
    }
    // The event will refresh the row as well; this makes it immediate for the one who acted.
    pendientes.add(String(id));
    refrescar(0);
  }

  consola.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-rapida]");
    if (!form) return;
    e.preventDefault();
    const boton = form.querySelector("button");
    boton.disabled = true;
    const id = form.closest("tr").dataset.id;
    enviar(form.action, new FormData(form), id).finally(() => { boton.disabled = false; });
  });

  const menu = document.getElementById("menu-asignar");
  const asignables = JSON.parse(document.getElementById("asignables").textContent || "[]");
  let ancla = null;

  function cerrarMenu(devolverFoco = false) {
    if (menu.hidden) return;
    menu.hidden = true;
    if (ancla) ancla.setAttribute("aria-expanded", "false");
    if (devolverFoco && ancla && document.body.contains(ancla)) ancla.focus();
    ancla = null;
  }

  function abrirMenu(enlace) {
    ancla = enlace;
    const actual = enlace.dataset.analista;
    const opciones = [{ id: "", nombre: t("nadie") }, ...asignables].map((u) => {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "menuitemradio");
      b.setAttribute("aria-checked", String(String(u.id) === actual));
      b.dataset.analista = u.id;
      b.textContent = u.nombre;
      // Workload (issue 18): open incidents, of them P1/P2, and whether the person is full.
      if (u.abiertos !== undefined) {
        const carga = document.createElement("span");
        carga.className = "carga-analista";
        carga.textContent = t("carga", u.abiertos, u.urgentes) + (u.disponible ? "" : ` · ${t("saturado")}`);
        b.append(" ", carga);
      }
      return b;
    });
    menu.replaceChildren(...opciones);
    const caja = enlace.getBoundingClientRect();
    menu.hidden = false;
    menu.style.top = `${caja.bottom + window.scrollY + 3}px`;
    menu.style.left = `${Math.max(8, caja.right + window.scrollX - menu.offsetWidth)}px`;
    enlace.setAttribute("aria-expanded", "true");
    (menu.querySelector("[aria-checked=true]") || opciones[0]).focus();
  }

  document.addEventListener("click", (e) => {
    const enlace = e.target.closest("[data-asignar]");
    if (enlace) {
      e.preventDefault();
      if (ancla === enlace) cerrarMenu(); else abrirMenu(enlace);
      return;
    }
    const opcion = e.target.closest("#menu-asignar [data-analista]");
    if (opcion && ancla) {
      const datos = new FormData();
      datos.set("csrfmiddlewaretoken", CGII.csrf());
      datos.set("analista_id", opcion.dataset.analista);
      const id = ancla.closest("tr").dataset.id;
      const url = ancla.dataset.asignar;
      cerrarMenu(true);
      enviar(url, datos, id);
      return;
    }
    if (!menu.contains(e.target)) cerrarMenu();
  });

  menu.addEventListener("keydown", (e) => {
    const opciones = [...menu.querySelectorAll("button")];
    const i = opciones.indexOf(document.activeElement);
    if (e.key === "ArrowDown") { e.preventDefault(); opciones[(i + 1) % opciones.length].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); opciones[(i - 1 + opciones.length) % opciones.length].focus(); }
    else if (e.key === "Home") { e.preventDefault(); opciones[0].focus(); }
    else if (e.key === "End") { e.preventDefault(); opciones[opciones.length - 1].focus(); }
    else if (e.key === "Escape") { e.preventDefault(); cerrarMenu(true); }
    else if (e.key === "Tab") cerrarMenu();
  });

  // ---- the stream --------------------------------------------------------------------------

  CGII.general.suscribir((m) => {
    const inc = m.datos && m.datos.incidente;
    if (!inc || inc.id === undefined || !/^(incidente|timeline|sla)\./.test(m.tipo)) return;
    const id = String(inc.id);
    if (m.tipo === "incidente.creado" && !document.getElementById(`fila-${id}`)) creados.add(id);
    if (m.tipo === "sla.incumplido" && document.getElementById(`fila-${id}`)) {
      pitido(true);
      avisoEscritorio(t("vencidoAviso", inc.codigo), inc.titulo, `/incidentes/${id}/`, `cgii-sla-${id}`);
    }
    pendientes.add(id);
    refrescar();
  });
  // More was missed than the server replays: re-read the whole queue.
  CGII.general.alResincronizar(() => location.reload());

  document.addEventListener("cgii:conexion", (e) => {
    if (e.detail.flujo !== CGII.general) return;
    const estado = e.detail.estado;
    if (estado === "conectado" && pendientes.size) refrescar(0);
    indicador.dataset.estado = estado;
    indicador.textContent = estado === "conectado" ? t("enVivo")
      : estado === "caido" ? t("sinConexion") : t("detenido");
  });

  pintarInterruptores();
  tic();
  setInterval(tic, 1000);
  setInterval(refrescarHace, 30000);
})();
