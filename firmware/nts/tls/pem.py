# PEM (RFC 7468) certificate blocks -> DER, from text in memory or streamed from a file.
# A trust file may hold several certificates; text outside the BEGIN/END lines
# (comments, other block types) is skipped.
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
        yield _decode(memoryview(text)[start:end])
        pos = end + len(_END)


def certificates_in_file(f):
    """Yield the DER bytes of each CERTIFICATE block of a file opened "rb", reading it
    line by line, so a bundle never has to fit in RAM at once."""
    body = None
    for line in f:
        line = line.strip()
        if body is None:
            if line == _BEGIN:
                body = []
        elif line == _END:
            yield _decode(b"".join(body))
            body = None
        else:
            body.append(line)
    if body is not None:
        raise ParseError("pem: BEGIN CERTIFICATE without END")


def _decode(body):
    # RFC 7468 section 3: base64 lines with whitespace between them. a2b_base64 skips
    # whitespace (and, on some ports, any stray character), so check the alphabet here
    # without copying the text.
    n = 0
    for c in body:
        if 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A or 0x30 <= c <= 0x39 or c in b"+/=":
            n += 1
        elif c not in b" \t\r\n":
            raise ParseError("pem: bad base64 character")
    if n == 0 or n % 4:
        raise ParseError("pem: bad base64 length")
    try:
        return a2b_base64(body)
    except ValueError:  # binascii.Error is a ValueError on both interpreters
        raise ParseError("pem: bad base64")
