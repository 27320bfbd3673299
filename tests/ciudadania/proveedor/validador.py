from oauth2_provider.oauth2_validators import OAuth2Validator

GRUPO_SEGUNDO_FACTOR = "segundo_factor"


class Validador(OAuth2Validator):
    # Every claim below goes into the ID token and userinfo whatever the scope.
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        """Claims shaped as Ciudadanía Digital's (assumed, docs/ciudadania_digital.md): the
        identity document under ``profile``; the username at this provider is the document
        number. Members of the ``segundo_factor`` group signed in with a second factor."""
        usuario = request.user
        segundo = usuario.groups.filter(name=GRUPO_SEGUNDO_FACTOR).exists()
        return {
            "profile": {
                "documento_identidad": {"numero_documento": usuario.username,
                                        "tipo_documento": "CI"},
                "nombre": {"nombres": usuario.first_name, "primer_apellido": usuario.last_name},
            },
            "amr": ["pwd", "otp"] if segundo else ["pwd"],
        }
