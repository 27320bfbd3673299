"""Precision and recall of the «posible duplicado» suggestion on a small labelled set.

Each pair is two reports of one entity a few minutes apart, labelled by hand: the same case
told twice (True) or two different problems of the same entity that share vocabulary
(False: the same portal, the same mail system, the same kind of attack). A suggestion that
always names the entity's latest incident scores 0.5 precision here; one that never
suggests scores 0 recall. Both fail the floors below.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidentes.duplicados import similitud
from tests.factories import crear_entidad, crear_usuario

from .utiles import reportar

PARES = [
    # (earlier report, later report, same case?)
    (("Correos de phishing al personal", "Llegan correos que piden la contraseña del correo "
      "institucional."),
     ("Correos de phishing al personal", "Llegan correos que piden la contraseña del correo "
      "institucional."), True),
    (("Phishing suplantando al SIGEP", "Correo falso con enlace a login-sigep que pide usuario "
      "y contraseña."),
     ("Correo de phishing que suplanta SIGEP", "Varios funcionarios recibieron un enlace a "
      "login-sigep pidiendo la contraseña."), True),
    (("Desfiguración del portal web institucional", "La página principal muestra un mensaje "
      "de un grupo hacktivista."),
     ("Portal web institucional desfigurado", "La portada del sitio muestra el mensaje de un "
      "grupo hacktivista desde esta mañana."), True),
    (("Ransomware en servidor de archivos", "Los archivos compartidos tienen extensión .lock "
      "y hay una nota de rescate."),
     ("Ransomware en el servidor de archivos", "Archivos cifrados con extensión .lock y nota "
      "de rescate en cada carpeta."), True),
    (("Caída del sistema de correspondencia", "El sistema de correspondencia no responde "
      "desde las 8:00."),
     ("Sistema de correspondencia caído", "No responde el sistema de correspondencia desde "
      "las 8 de la mañana."), True),
    (("Escaneo de puertos desde IP externa", "El firewall registra escaneo masivo de puertos "
      "desde 203.0.113.50."),
     ("Escaneo de puertos desde una IP externa", "Escaneo de puertos contra toda la red desde "
      "203.0.113.50 según el firewall."), True),
    (("Cuenta de correo comprometida", "La cuenta de jefe de RRHH envía spam a todos los "
      "contactos."),
     ("Cuenta de correo del jefe de RRHH comprometida", "Desde la cuenta de RRHH salen "
      "correos de spam a los contactos."), True),
    (("Ataque de denegación de servicio al portal", "El portal de trámites recibe miles de "
      "peticiones por segundo."),
     ("Denegación de servicio contra el portal de trámites", "Miles de peticiones por "
      "segundo tumban el portal de trámites."), True),
    (("Malware en equipos de contabilidad", "El antivirus detecta un troyano en tres equipos "
      "de contabilidad."),
     ("Troyano en equipos de contabilidad", "Tres computadoras de contabilidad con un "
      "troyano detectado por el antivirus."), True),
    (("Filtración de base de datos de funcionarios", "Se publicó en un foro un volcado con "
      "datos de funcionarios."),
     ("Filtración de datos de funcionarios en un foro", "Un volcado de la base de datos de "
      "funcionarios aparece publicado en un foro."), True),
    # Different cases of the same entity, sharing vocabulary.
    (("Desfiguración del portal web institucional", "La página principal muestra un mensaje "
      "de un grupo hacktivista."),
     ("Certificado vencido en el portal web", "El navegador advierte que el certificado TLS "
      "del portal expiró."), False),
    (("Correos de phishing al personal", "Llegan correos que piden la contraseña del correo "
      "institucional."),
     ("Servidor de correo en lista negra", "Nuestros correos rebotan: la IP del servidor de "
      "correo está en una lista negra."), False),
    (("Ransomware en servidor de archivos", "Los archivos compartidos tienen extensión .lock "
      "y hay una nota de rescate."),
     ("Disco lleno en el servidor de archivos", "El servidor de archivos se quedó sin espacio "
      "y no guarda nuevos documentos."), False),
    (("Escaneo de puertos desde IP externa", "El firewall registra escaneo masivo de puertos "
      "desde 203.0.113.50."),
     ("Acceso SSH por fuerza bruta", "Miles de intentos de acceso SSH fallidos contra el "
      "servidor de aplicaciones."), False),
    (("Cuenta de correo comprometida", "La cuenta de jefe de RRHH envía spam a todos los "
      "contactos."),
     ("Usuario bloqueado en el sistema de personal", "El jefe de RRHH no puede ingresar al "
      "sistema de personal."), False),
    (("Caída del sistema de correspondencia", "El sistema de correspondencia no responde "
      "desde las 8:00."),
     ("Vulnerabilidad SQL en el sistema de trámites", "Un investigador reporta inyección SQL "
      "en el buscador de trámites."), False),
    (("Malware en equipos de contabilidad", "El antivirus detecta un troyano en tres equipos "
      "de contabilidad."),
     ("Robo de laptop de contabilidad", "Se robaron una computadora portátil de la unidad de "
      "contabilidad con datos."), False),
    (("Ataque de denegación de servicio al portal", "El portal de trámites recibe miles de "
      "peticiones por segundo."),
     ("Phishing suplantando al portal de trámites", "Un sitio falso copia el portal de "
      "trámites y pide datos personales."), False),
    (("Filtración de base de datos de funcionarios", "Se publicó en un foro un volcado con "
      "datos de funcionarios."),
     ("Copia de respaldo de base de datos fallida", "El respaldo nocturno de la base de datos "
      "falló por tercera vez."), False),
    (("Phishing suplantando al SIGEP", "Correo falso con enlace a login-sigep que pide usuario "
      "y contraseña."),
     ("SIGEP lento desde la red interna", "El acceso al SIGEP desde la red de la entidad "
      "tarda varios minutos."), False),
]
PRECISION_MINIMA = 0.9
RECALL_MINIMO = 0.8


def _medir():
    vp = fp = fn = 0
    for i, ((t1, d1), (t2, d2), mismo) in enumerate(PARES):
        entidad = crear_entidad(nombre=f"Entidad de prueba {i}", sigla=f"EP{i}")
        reportante = crear_usuario(username=f"rep_dup_{i}", entidad=entidad,
                                   rol_entidad="reportante")
        primero = reportar(reportante, entidad, titulo=t1, descripcion=d1,
                           detectado_en=timezone.now() - timedelta(hours=2))
        segundo = reportar(reportante, entidad, titulo=t2, descripcion=d2)
        sugerido = segundo.posible_duplicado_id == primero.pk
        vp += sugerido and mismo
        fp += sugerido and not mismo
        fn += mismo and not sugerido
    precision = vp / (vp + fp) if vp + fp else 0.0
    recall = vp / (vp + fn) if vp + fn else 0.0
    return precision, recall


@pytest.mark.django_db
def test_precision_y_recall_de_la_sugerencia(catalogos):
    precision, recall = _medir()
    print(f"\nposible duplicado: {len(PARES)} pares, precision {precision:.2f}, "
          f"recall {recall:.2f}")
    assert precision >= PRECISION_MINIMA
    assert recall >= RECALL_MINIMO


@pytest.mark.django_db
def test_el_respaldo_en_python_mide_como_pg_trgm(django_db_blocker):
    """The SQLite profile's similarity is pg_trgm's: same trigrams, same ratio."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("compares with PostgreSQL's pg_trgm")
    with connection.cursor() as cursor:
        for (t1, _d1), (t2, _d2), _m in PARES:
            cursor.execute("SELECT similarity(%s, %s)", [t1, t2])
            (esperado,) = cursor.fetchone()
            assert similitud(t1, t2) == pytest.approx(esperado, abs=1e-6)
