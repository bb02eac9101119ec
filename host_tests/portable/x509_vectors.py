# Streaming reader for build/vectors/x509_certs.jsonl (see host_tests/vectorgen/
# x509_certs.py): certificates arrive as short hex lines, so reading them needs no big
# contiguous block on the 100 KB heap; only the wanted ids are decoded.
import json
from binascii import unhexlify

from support import VECTOR_DIR


def certs(ids=None, oracle=False):
    """Yield (id, der, oracle_dict_or_None) for each certificate (only `ids` if given)."""
    der = None
    with open(VECTOR_DIR + "/x509_certs.jsonl") as f:
        for line in f:
            comma = line.find(",")
            i = int(line[6:comma])  # lines start with {"id":N,
            if ids is not None and i not in ids:
                continue
            if line.startswith('"hex":"', comma + 1):
                if der is None:
                    der = []
                der.append(unhexlify(line[comma + 8:line.find('"', comma + 8)]))
            else:
                o = json.loads(line)["oracle"] if oracle else None
                der = b"".join(der)
                yield i, der, o
                der = None


def by_id(ids):
    """{id: der} for the given ids."""
    out = {}
    for i, der, _ in certs(ids):
        out[i] = der
    return out
