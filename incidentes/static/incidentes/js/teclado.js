/* Keyboard map of the console and the incident list (issue 18). Shown by "?" in an
 * accessible modal <dialog> (#atajos). Never acts while the user types: a key whose target
 * is an input, textarea, select or contenteditable, or comes with Ctrl/Alt/Meta, or while
 * an IME composes, goes to the page untouched.
 *
 * Rows: "j"/"k" move a current row (its code link takes the focus, so Enter opens it
 * natively), "x" toggles its checkbox, "t" takes it, "a" assigns it (the console's menu with
 * each analyst's load, or the bulk bar on the list), "b" goes to the bulk bar, "/" to the
 * search, "g c"/"g i" to the console/incidents. A skip link ("Saltar a la cola") is added
 * after the page's own, so the first row is two key presses away.
 */
(function () {
  "use strict";

  const tabla = document.querySelector("[data-navegable]");
  const dialogo = document.getElementById("atajos");
  const textos = (document.getElementById("textos-triaje") || { dataset: {} }).dataset;
  if (!tabla) return;

  const filas = () => [...tabla.tBodies[0].rows].filter((tr) => tr.querySelector(".codigo-fila"));
  let actual = null;

  function escribiendo(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    const etiqueta = el.tagName;
    if (etiqueta === "TEXTAREA" || etiqueta === "SELECT") return true;
    if (etiqueta === "INPUT") {
      // A checkbox or a button is not typing; every text-like input is.
      return !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
    }
    return false;
  }

  function filaDe(el) {
    const tr = el && el.closest && el.closest("tr");
    return tr && tabla.contains(tr) && tr.querySelector(".codigo-fila") ? tr : null;
  }

  function enfocar(tr) {
    if (!tr) return;
    if (actual && actual !== tr) actual.classList.remove("actual");
    actual = tr;
    tr.classList.add("actual");
    const enlace = tr.querySelector(".codigo-fila");
    enlace.focus({ preventScroll: true });
    tr.scrollIntoView({ block: "nearest" });
  }

  function mover(paso) {
    const lista = filas();
    if (!lista.length) return;
    const desde = filaDe(document.activeElement) || (actual && document.body.contains(actual) ? actual : null);
    const i = desde ? lista.indexOf(desde) : -1;
    const j = i < 0 ? (paso > 0 ? 0 : lista.length - 1) : Math.min(lista.length - 1, Math.max(0, i + paso));
    enfocar(lista[j]);
  }

  function filaActual() {
    return filaDe(document.activeElement) || (actual && document.body.contains(actual) ? actual : null);
  }

  // Focus moving into a row by Tab or click makes it the current one.
  tabla.addEventListener("focusin", (e) => {
    const tr = filaDe(e.target);
    if (tr && tr !== actual) {
      if (actual) actual.classList.remove("actual");
      actual = tr;
      tr.classList.add("actual");
    }
  });

  function tomar(tr) {
    const form = tr && tr.querySelector("form[data-rapida], form[action$='/accion/tomar/']");
    if (form) form.requestSubmit();
    else if (window.CGIITriaje) window.CGIITriaje.tomar(tr);
  }

  function asignar(tr) {
    if (!tr) return;
    const enlace = tr.querySelector("[data-asignar]");
    if (enlace) { enlace.click(); return; }
    if (window.CGIITriaje) {
      const caja = tr.querySelector("input[data-elegir]");
      if (caja && !caja.checked) window.CGIITriaje.alternar(tr);
      window.CGIITriaje.irABarra("asignar");
    }
  }

  function buscar() {
    const campo = document.querySelector("form[data-filtros-auto] input[type=search]")
      || document.getElementById("q-global");
    if (campo) { campo.focus(); campo.select(); }
  }

  function ayuda() {
    if (!dialogo || dialogo.open) return;
    dialogo.showModal();
  }

  let prefijoG = 0;

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (escribiendo(e.target)) return;
    if (dialogo && dialogo.open) return; // the dialog handles its own keys (Esc closes)
    if (document.getElementById("menu-asignar") && !document.getElementById("menu-asignar").hidden) return;
    const tecla = e.key;
    if (prefijoG && Date.now() - prefijoG < 1500) {
      prefijoG = 0;
      if (tecla === "c" && textos.consola) { e.preventDefault(); location.assign(textos.consola); return; }
      if (tecla === "i" && textos.incidentes) { e.preventDefault(); location.assign(textos.incidentes); return; }
    }
    prefijoG = 0;
    switch (tecla) {
      case "j": e.preventDefault(); mover(1); break;
      case "k": e.preventDefault(); mover(-1); break;
      case "Enter": {
        // On the code link Enter opens it natively; elsewhere on a row, open that row.
        const tr = filaDe(e.target);
        if (tr && e.target.tagName !== "A" && e.target.tagName !== "BUTTON" && e.target.type !== "checkbox") {
          e.preventDefault();
          tr.querySelector(".codigo-fila").click();
        }
        break;
      }
      case "x": {
        const tr = filaActual();
        if (tr && window.CGIITriaje) { e.preventDefault(); window.CGIITriaje.alternar(tr); enfocar(tr); }
        break;
      }
      case "t": { const tr = filaActual(); if (tr) { e.preventDefault(); tomar(tr); } break; }
      case "a": { const tr = filaActual(); if (tr) { e.preventDefault(); asignar(tr); } break; }
      case "b": if (window.CGIITriaje) { e.preventDefault(); window.CGIITriaje.irABarra(); } break;
      case "/": e.preventDefault(); buscar(); break;
      case "?": e.preventDefault(); ayuda(); break;
      case "g": prefijoG = Date.now(); break;
      default: break;
    }
  });

  if (dialogo) {
    let previo = null;
    dialogo.addEventListener("close", () => { if (previo && document.body.contains(previo)) previo.focus(); });
    const abrir = dialogo.showModal.bind(dialogo);
    dialogo.showModal = () => { previo = document.activeElement; abrir(); };
    // A click on the backdrop closes it too.
    dialogo.addEventListener("click", (e) => { if (e.target === dialogo) dialogo.close(); });
  }

  // Skip link to the first row, right after the page's "Saltar al contenido".
  const saltar = document.querySelector("a.saltar");
  if (saltar && textos.saltarCola) {
    const enlace = document.createElement("a");
    enlace.className = "saltar";
    enlace.href = `#${tabla.id || "contenido"}`;
    enlace.textContent = textos.saltarCola;
    enlace.addEventListener("click", (e) => { e.preventDefault(); mover(1); });
    saltar.after(enlace);
  }
})();
