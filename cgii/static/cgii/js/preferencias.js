/* Notification preferences (notificaciones/preferencias.html): read and saved through
 * GET/PUT /api/v1/notificaciones/preferencias/. */
(function () {
  "use strict";

  const form = document.getElementById("form-preferencias");
  if (!form || !window.CGII) return;
  const CGII = window.CGII;
  const cuerpo = form.querySelector("[data-filas]");
  const estado = form.querySelector("[data-estado]");
  const boton = form.querySelector("button[type=submit]");

  function casilla(fila, campo, etiqueta) {
    const td = document.createElement("td");
    td.className = "casilla";
    const caja = document.createElement("input");
    caja.type = "checkbox";
    caja.name = `${campo}:${fila.tipo}`;
    caja.checked = !!fila[campo];
    caja.setAttribute("aria-label", etiqueta.replace("%s", fila.etiqueta));
    td.appendChild(caja);
    return td;
  }

  function pintar(filas) {
    cuerpo.replaceChildren(...filas.map((f) => {
      const tr = document.createElement("tr");
      tr.dataset.tipo = f.tipo;
      const nombre = document.createElement("th");
      nombre.scope = "row";
      nombre.textContent = f.etiqueta;
      tr.append(nombre, casilla(f, "en_app", form.dataset.enApp), casilla(f, "email", form.dataset.email));
      return tr;
    }));
  }

  async function cargar() {
    const r = await CGII.pedir(form.dataset.url);
    if (r.ok) pintar(await r.json());
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const filas = [...cuerpo.querySelectorAll("tr[data-tipo]")].map((tr) => ({
      tipo: tr.dataset.tipo,
      en_app: tr.querySelector("input[name^='en_app:']").checked,
      email: tr.querySelector("input[name^='email:']").checked,
    }));
    boton.disabled = true;
    try {
      const r = await CGII.pedir(form.dataset.url, { metodo: "PUT", json: filas });
      if (!r.ok) throw new Error(String(r.status));
      pintar(await r.json());
      estado.textContent = form.dataset.guardado;
    } catch (err) {
      estado.textContent = form.dataset.error;
    } finally {
      boton.disabled = false;
    }
  });

  cargar();
})();
