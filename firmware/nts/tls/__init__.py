# nts.tls: the TLS 1.3 client NTS-KE runs over. The numbers several of its modules
# check live here, in the package module every nts.tls import loads anyway (no import
# cost of their own).
from micropython import const

# Certificates a server may send: tls.messages refuses a longer Certificate message
# before parsing any DER, tls.trust a longer chain before verifying (leaf + a few
# intermediates is the real-world shape; the anchor need not be sent).
MAX_CHAIN = const(8)
# Hash.length of our only cipher suite, TLS_AES_128_GCM_SHA256 (SHA-256): the key
# schedule's secrets and the Finished verify_data.
HASH_LEN = const(32)
