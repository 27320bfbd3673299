/* The triage queue (correo/triaje.html): when the staff stream says the queue changed
 * (outbox event correo.triaje: a message arrived, or a colleague converted or discarded
 * one), the page says so and offers to reload; the list being read is not swapped. */
(function () {
  "use strict";

  const aviso = document.getElementById("aviso-correo");
  if (!aviso || !window.CGII) return;
  window.CGII.general.suscribir((m) => {
    if (m.tipo === "correo.triaje") aviso.hidden = false;
  });
})();
