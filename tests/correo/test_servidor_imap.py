"""The suite's own IMAP server works as the intake expects: TLS with our certificate,
LMTP delivery with plus-addressing kept in Delivered-To, UIDs and MOVE."""

import ssl

from imapclient import IMAPClient


def test_entrega_por_lmtp_y_lectura_por_imap_con_tls(buzon):
    servidor, cuenta = buzon
    servidor.entregar("alguien@ejemplo.org", [f"{cuenta}+prueba@cgii.test"],
                      b"From: alguien@ejemplo.org\r\nTo: x@cgii.test\r\nSubject: hola\r\n\r\nuno\r\n")
    contexto = ssl.create_default_context(cafile=str(servidor.certificado))
    with IMAPClient("127.0.0.1", port=servidor.puerto_imaps, ssl=True,
                    ssl_context=contexto) as cliente:
        cliente.login(cuenta, "clave-buzon")
        cliente.select_folder("INBOX")
        uids = cliente.search("ALL")
        assert len(uids) == 1
        crudo = cliente.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
        assert f"Delivered-To: {cuenta}+prueba@cgii.test".encode() in crudo
        assert b"MOVE" in cliente.capabilities()
