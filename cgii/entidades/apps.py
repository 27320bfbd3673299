from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EntidadesConfig(AppConfig):
    name = "cgii.entidades"
    label = "entidades"
    verbose_name = "Entidades y personas"

    def ready(self):
        from .grupos import asignar_permisos_grupos
        from .revocacion import conectar_senales
        from .terceros import nombrar

        conectar_senales()
        nombrar()  # the admin's third-party models in Spanish

        post_migrate.connect(asignar_permisos_grupos, sender=self,
                             dispatch_uid="entidades.asignar_permisos_grupos")
