from django.contrib import admin
from django.test import RequestFactory

from cgii.auditoria.models import RegistroAuditoria
from tests.factories import crear_usuario


def test_admin_de_solo_lectura(cadena):
    modelo_admin = admin.site._registry[RegistroAuditoria]
    superusuario = crear_usuario(username="raiz", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/auditoria/registroauditoria/", {"q": "analista"})
    request.user = superusuario
    registro = cadena[0]
    assert not modelo_admin.has_add_permission(request)
    assert not modelo_admin.has_change_permission(request, registro)
    assert not modelo_admin.has_delete_permission(request, registro)
    assert modelo_admin.has_view_permission(request, registro)
    assert "delete_selected" not in modelo_admin.get_actions(request)

    respuesta = modelo_admin.changelist_view(request)
    respuesta.render()
    assert respuesta.status_code == 200
    assert respuesta.context_data["cl"].result_count == 5


def test_solo_existe_el_permiso_de_ver(db):
    from django.contrib.auth.models import Permission

    codigos = set(Permission.objects.filter(content_type__app_label="auditoria")
                  .values_list("codename", flat=True))
    assert codigos == {"view_registroauditoria", "view_anclaauditoria"}
