"""Development mail backend: the console backend, but on stderr, so that commands whose
stdout is machine-read (``cargar_demo --json``) are not polluted by notification e-mails."""

import sys

from django.core.mail.backends.console import EmailBackend


class ConsolaStderr(EmailBackend):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
