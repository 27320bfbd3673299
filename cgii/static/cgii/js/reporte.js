/* Report form with an upload progress bar (incidentes/reportar.html).
 *
 * The form is posted to the same address with XMLHttpRequest (fetch has no upload progress)
 * asking for JSON: 201 → go to the new incident; 400 → errors next to their fields, the
 * chosen files stay chosen. Without JavaScript it is a plain multipart POST.
 */
(function () {
  "use strict";

  const form = document.getElementById("form-reporte");
  if (!form || !window.CGII || !window.XMLHttpRequest || !window.FormData) return;
  const CGII = window.CGII;
  const textos = document.getElementById("textos-reporte").dataset;
  const t = (clave, ...valores) => {
    let texto = textos[clave] || clave;
    for (const v of valores) texto = texto.replace("%s", v);
    return texto.replace("%%", "%");
  };
  const maximo = Number(form.dataset.maxBytes) || Infinity;
  const subida = form.querySelector("[data-subida]");
  const barra = subida.querySelector("progress");
  const textoProgreso = subida.querySelector("[data-progreso-texto]");
  const cancelar = subida.querySelector("[data-cancelar]");
  const enviar = form.querySelector("[data-enviar]");
  const errorGeneral = form.querySelector("[data-error-general]");
  const archivos = form.querySelector("input[type=file]");
  let peticion = null;

  const tamano = (bytes) => {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} MB`;
  };

  // The chosen files, with their size; those over the limit are marked before sending.
  let lista = null;
  function listarArchivos() {
    if (!archivos) return [];
    if (!lista) {
      lista = document.createElement("ul");
      lista.className = "archivos-elegidos";
      archivos.insertAdjacentElement("afterend", lista);
    }
    const grandes = [];
    lista.replaceChildren(...[...archivos.files].map((f) => {
      const li = document.createElement("li");
      li.textContent = `${f.name} · ${tamano(f.size)}`;
      if (f.size > maximo) {
        li.className = "grande";
        grandes.push(t("demasiadoGrande", f.name, tamano(maximo)));
      }
      return li;
    }));
    return grandes;
  }
  if (archivos) archivos.addEventListener("change", listarArchivos);

  function limpiarErrores() {
    for (const el of form.querySelectorAll(".errorlist[data-js]")) el.remove();
    for (const el of form.querySelectorAll(".con-error")) el.classList.remove("con-error");
    errorGeneral.hidden = true;
  }

  function mostrarErrores(errores, mensaje) {
    let primero = null;
    for (const [campo, lista_] of Object.entries(errores || {})) {
      const caja = form.querySelector(`.campo-${CSS.escape(campo)}`);
      const ul = document.createElement("ul");
      ul.className = "errorlist";
      ul.dataset.js = "1";
      for (const texto of lista_) ul.appendChild(Object.assign(document.createElement("li"), { textContent: texto }));
      if (caja) {
        caja.classList.add("con-error");
        caja.appendChild(ul);
        const entrada = caja.querySelector("input, textarea, select");
        if (entrada) {
          entrada.setAttribute("aria-invalid", "true");
          primero = primero || entrada;
        }
      } else {
        errorGeneral.insertAdjacentElement("afterend", ul);
      }
    }
    errorGeneral.textContent = mensaje || t("revise");
    errorGeneral.hidden = false;
    (primero || errorGeneral).focus?.();
    if (!primero) errorGeneral.scrollIntoView({ block: "center" });
  }

  function terminar() {
    peticion = null;
    subida.hidden = true;
    enviar.disabled = false;
  }

  cancelar.addEventListener("click", () => { if (peticion) peticion.abort(); });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (peticion) return;
    limpiarErrores();
    const grandes = listarArchivos();
    if (grandes.length) {
      mostrarErrores({ evidencias: grandes });
      return;
    }
    const xhr = new XMLHttpRequest();
    peticion = xhr;
    xhr.open("POST", form.getAttribute("action") || location.pathname);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", CGII.csrf());
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (ev) => {
      if (!ev.lengthComputable) return;
      const pct = Math.round((100 * ev.loaded) / ev.total);
      barra.value = pct;
      textoProgreso.textContent = pct >= 100 ? t("procesando")
        : t("progreso", tamano(ev.loaded), tamano(ev.total), pct);
    });
    xhr.upload.addEventListener("load", () => { barra.removeAttribute("value"); textoProgreso.textContent = t("procesando"); });
    xhr.addEventListener("load", () => {
      const datos = xhr.response || {};
      if (xhr.status === 201 && datos.url) {
        location.assign(datos.url);
        return;
      }
      terminar();
      if (xhr.status === 400) mostrarErrores(datos.errores, datos.mensaje);
      else mostrarErrores({}, datos.mensaje || t("error"));
    });
    xhr.addEventListener("error", () => { terminar(); mostrarErrores({}, t("error")); });
    xhr.addEventListener("abort", () => { terminar(); CGII.avisar(t("cancelado")); });
    barra.value = 0;
    textoProgreso.textContent = "";
    subida.hidden = false;
    enviar.disabled = true;
    xhr.send(new FormData(form));
  });
})();
