/** More indicator rows on the report form (without JS the form offers three). */
(() => {
  "use strict";
  const caja = document.querySelector("[data-filas-indicadores]");
  if (!caja) return;
  const boton = caja.querySelector("[data-otra-fila]");
  const lista = caja.querySelector(".lista-filas");
  const MAXIMO = 50;
  boton.hidden = false;
  boton.addEventListener("click", () => {
    const filas = lista.querySelectorAll("[data-fila]");
    if (filas.length >= MAXIMO) return;
    const nueva = filas[filas.length - 1].cloneNode(true);
    const n = filas.length + 1;
    nueva.querySelector("select").value = "";
    const valor = nueva.querySelector("input");
    valor.value = "";
    for (const el of [nueva.querySelector("select"), valor]) {
      el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/\d+$/, String(n)));
    }
    lista.appendChild(nueva);
    valor.focus();
    if (n >= MAXIMO) boton.hidden = true;
  });
})();
