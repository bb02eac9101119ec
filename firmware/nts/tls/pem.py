# PEM (RFC 7468) certificate blocks -> DER. A trust file may hold several certificates;
# text outside the BEGIN/END lines (comments, other block types) is skipped.
from binascii import a2b_base64

from nts.errors import ParseError

_BEGIN = b"-----BEGIN CERTIFICATE-----"
_END = b"-----END CERTIFICATE-----"


def certificates(text):
    """Yield the DER bytes of each CERTIFICATE block in text (str or bytes)."""
    if isinstance(text, str):
        text = text.encode()
    pos = 0
    while True:
        start = text.find(_BEGIN, pos)
        if start < 0:
            return
        start += len(_BEGIN)
        end = text.find(_END, start)
        if end < 0:
            raise ParseError("pem: BEGIN CERTIFICATE without END")
        yield _decode(text[start:end])
        pos = end + len(_END)


def _decode(body):
    # RFC 7468 section 3: base64 lines, whitespace allowed between them. a2b_base64 is
    # lenient about stray characters on some ports, so check the alphabet ourselves.
    b64 = b"".join(body.split())
    for c in b64:
        if not (0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A or 0x30 <= c <= 0x39
                or c in b"+/="):
            raise ParseError("pem: bad base64 character")
    if not b64 or len(b64) % 4:
        raise ParseError("pem: bad base64 length")
    try:
        return a2b_base64(b64)
    except ValueError:  # binascii.Error is a ValueError on both interpreters
        raise ParseError("pem: bad base64")
