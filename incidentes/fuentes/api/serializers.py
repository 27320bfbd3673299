from rest_framework import serializers


class ResultadoIngestaSerializer(serializers.Serializer):
    recibidos = serializers.IntegerField()
    nuevos = serializers.IntegerField(help_text="Guardados (no duplicados).")
    duplicados = serializers.IntegerField(
        help_text="Ya recibidos antes (misma fuente, host, identificador y día).")
    sin_entidad = serializers.IntegerField(
        help_text="Nuevos sin entidad: van a la cola «sin entidad» del CGII.")
    por_via = serializers.DictField(child=serializers.IntegerField(),
                                    help_text="Nuevos por vía de enrutamiento: ip, fqdn, asn, "
                                              "conflicto.")
