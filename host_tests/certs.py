"""Throwaway test PKI (CPython only, uses `cryptography`): CAs and server chains in a dir.

    from host_tests.certs import make_chain
    c = make_chain(tmpdir, kind="rsa", hostname="localhost", ip="127.0.0.1", intermediates=1)
    c.root_pem_path       trust anchor (give it to our client / `--ca`)
    c.chain_pem_path      leaf + intermediates, what the server sends (openssl -cert_chain ...)
    c.leaf_cert_pem_path  leaf alone;  c.leaf_key_pem_path  its PKCS#8 PEM key (unencrypted)
    c.inter_pem_path      intermediates alone (None without intermediates)
    c.root_der  bytes;  c.chain_der  [leaf_der, inter_der...];  c.leaf_der;  c.hostname ...

kind:
    "rsa"    RSA-2048 everywhere, sha256WithRSAEncryption
    "ecdsa"  ECDSA; `curve` ("p256"|"p384") for the leaf, `ca_curve` for the CAs
             (default: same as curve); CAs sign with ecdsa-with-SHA256 (P-256 CA) or
             -SHA384 (P-384 CA), as Let's Encrypt's E-series does
    "le"     Let's-Encrypt shape: RSA-4096 root "ISRG Root X1"-like, RSA-2048 intermediate,
             RSA-3072 leaf valid 90 days (the PTB legal-time servers' shape)

Options (all keyword):
    intermediates=1     number of intermediate CAs (0 = root signs the leaf)
    dns_names=None      SAN dNSNames (default [hostname]); ips=None SAN IPs (default [ip])
    now=None            unix seconds the validity is centred on (default: time.time())
    seed="default"      keys are derived from (seed, role): same seed = same keys, so a
                        chain with another seed has an untrusted root of the same name
    hash=None           "sha256"|"sha384"|"sha512" for every signature (default: sha256
                        for RSA; for ECDSA by the signer's curve, sha384 on P-384)
    prefix=None         file name prefix in tmpdir (default "<kind>-<seed>"); give one per
                        chain when several chains share a directory
    leaves=1            c.leaves: that many (chain PEM, key PEM) pairs, one leaf key each
                        (servers that must count as distinct sources need their own)
Faults (all default False):
    expired             leaf notAfter one day before `now`
    not_yet_valid       leaf notBefore one day after `now`
    ca_false_intermediate  first intermediate has basicConstraints CA=false
    no_bc_intermediate  first intermediate has no basicConstraints at all
    root_pathlen0       root has pathLenConstraint 0 (so an intermediate breaks it)
    no_server_auth      leaf EKU lists clientAuth only
    eku=None            leaf EKU as a list of cryptography OIDs (overrides no_server_auth);
                        [] leaves the extension out (the SMGW tests: timeStamping)
    leaf_bad_key_usage  leaf keyUsage is keyEncipherment only (no digitalSignature)
    unknown_critical    leaf carries an unknown critical extension
    pss                 every signature is RSASSA-PSS (MGF1 same hash, salt = hash length)
    pss_salt=None       the leaf is signed RSASSA-PSS with this salt length (e.g. 20)
    bad_signature       one bit of the leaf's signature is flipped

Keys are deterministic (seeded prime search, derived EC scalars) so vectors are
reproducible; ECDSA signatures use RFC 6979 and PKCS#1 v1.5 is deterministic; only PSS
salts vary between runs. Keys are cached per process, and RSA keys also as PEM in
build/testkeys (the seeded prime search takes seconds for RSA-4096).
"""
import datetime
import hashlib
import ipaddress
import os
import random

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

_KEYS = {}
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_CURVES = {"p256": ec.SECP256R1, "p384": ec.SECP384R1,
           "bp256": ec.BrainpoolP256R1}      # bp256: the SMGW tests (boards lack it)
DAY = 86400


def _rng(seed, role):
    return random.Random(hashlib.sha256(("%s/%s" % (seed, role)).encode()).digest())


def _is_probable_prime(n, rng, rounds=16):
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while not d & 1:
        d >>= 1
        s += 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng, bits, e=65537):
    while True:
        c = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (c - 1) % e and _is_probable_prime(c, rng):
            return c


_CACHE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "build", "testkeys")


def rsa_key(bits, seed="default", role="key", e=65537):
    """A deterministic RSA private key for (bits, seed, role, e).

    The prime search takes seconds for big keys, so results are also cached as PEM in
    build/testkeys (same inputs, same key: the cache only saves time)."""
    k = ("rsa", bits, seed, role) if e == 65537 else ("rsa", bits, seed, role, e)
    path = os.path.join(_CACHE_DIR, hashlib.sha256(repr(k).encode()).hexdigest()[:24] + ".pem")
    if k not in _KEYS and os.path.exists(path):
        with open(path, "rb") as f:
            _KEYS[k] = serialization.load_pem_private_key(f.read(), None)
    if k not in _KEYS:
        rng = _rng(seed, "%s/rsa%d" % (role, bits))
        while True:
            p, q = _prime(rng, bits // 2, e), _prime(rng, bits - bits // 2, e)
            if p != q:
                break
        d = pow(e, -1, (p - 1) * (q - 1))
        pub = rsa.RSAPublicNumbers(e, p * q)
        _KEYS[k] = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                         rsa.rsa_crt_iqmp(p, q), pub).private_key()
        os.makedirs(_CACHE_DIR, exist_ok=True)
        _write(_CACHE_DIR, os.path.basename(path) + ".tmp", _KEYS[k].private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        os.replace(path + ".tmp", path)
    return _KEYS[k]


def ec_key(curve, seed="default", role="key"):
    """A deterministic EC private key on "p256" or "p384"."""
    k = ("ec", curve, seed, role)
    if k not in _KEYS:
        scalar = _rng(seed, "%s/%s" % (role, curve)).getrandbits(240) + 1
        _KEYS[k] = ec.derive_private_key(scalar, _CURVES[curve]())
    return _KEYS[k]


class Chain:
    """Paths and DER of one generated chain (see the module docstring)."""

    def __repr__(self):
        return "<Chain %s %s>" % (self.hostname, self.dir)


def _name(cn, org="mpnts test PKI"):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ts(unix):
    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)


def _sign(builder, key, hash_name, pss, salt=None):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if hash_name is None:
            hash_name = "sha384" if key.curve.name == "secp384r1" else "sha256"
        return builder.sign(key, _HASHES[hash_name](), ecdsa_deterministic=True)
    hash_name = hash_name or "sha256"
    h = _HASHES[hash_name]()
    if pss:
        return builder.sign(key, h, rsa_padding=padding.PSS(
            mgf=padding.MGF1(_HASHES[hash_name]()),
            salt_length=padding.PSS.DIGEST_LENGTH if salt is None else salt))
    return builder.sign(key, h)


def _ca_usage():
    return x509.KeyUsage(digital_signature=True, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                         decipher_only=False)


def _leaf_usage(bad):
    return x509.KeyUsage(digital_signature=not bad, content_commitment=False,
                         key_encipherment=True, data_encipherment=False, key_agreement=False,
                         key_cert_sign=False, crl_sign=False, encipher_only=False,
                         decipher_only=False)


def _flip_signature_bit(der):
    # The signature BIT STRING is the last element: flipping its last byte keeps the
    # DER well-formed and breaks the signature.
    b = bytearray(der)
    b[-1] ^= 0x01
    return bytes(b)


def _der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def _pem_raw(der):
    # Works even for a certificate with a broken signature (no re-encoding).
    import base64
    b64 = base64.encodebytes(der).decode().replace("\n", "")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines)
            + "\n-----END CERTIFICATE-----\n").encode()


def _keys_for(kind, seed, curve, ca_curve, n_inter):
    if kind == "rsa":
        return (rsa_key(2048, seed, "root"),
                [rsa_key(2048, seed, "inter%d" % i) for i in range(n_inter)],
                rsa_key(2048, seed, "leaf"))
    if kind == "le":
        return (rsa_key(4096, seed, "root"),
                [rsa_key(2048, seed, "inter%d" % i) for i in range(n_inter)],
                rsa_key(3072, seed, "leaf"))
    if kind == "ecdsa":
        ca_curve = ca_curve or curve
        return (ec_key(ca_curve, seed, "root"),
                [ec_key(ca_curve, seed, "inter%d" % i) for i in range(n_inter)],
                ec_key(curve, seed, "leaf"))
    raise ValueError("kind must be rsa, ecdsa or le")


def make_chain(tmpdir, kind="rsa", hostname="localhost", ip="127.0.0.1", intermediates=1,
               dns_names=None, ips=None, now=None, seed="default", hash=None, curve="p256",
               ca_curve=None, expired=False, not_yet_valid=False, ca_false_intermediate=False,
               no_bc_intermediate=False,
               root_pathlen0=False, no_server_auth=False, leaf_bad_key_usage=False,
               unknown_critical=False, pss=False, pss_salt=None, bad_signature=False,
prefix=None, leaves=1, eku=None):
    """Make a root, `intermediates` CAs and a leaf; write PEM files into tmpdir."""
    import time
    now = int(time.time()) if now is None else int(now)
    hash_name = hash
    root_key, inter_keys, leaf_key = _keys_for(kind, seed, curve, ca_curve, intermediates)
    le = kind == "le"
    root_name = _name("ISRG Root X1", "Internet Security Research Group") if le \
        else _name("mpnts test root %s" % kind)

    # Root: self-signed, long-lived.
    b = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
         .public_key(root_key.public_key()).serial_number(0x1000 + len(seed))
         .not_valid_before(_ts(now - 5 * 365 * DAY)).not_valid_after(_ts(now + 20 * 365 * DAY))
         .add_extension(x509.BasicConstraints(ca=True, path_length=0 if root_pathlen0 else None),
                        critical=True)
         .add_extension(_ca_usage(), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                        critical=False))
    root = _sign(b, root_key, hash_name, pss)

    issuer_name, issuer_key = root_name, root_key
    inter_ders = []
    for i, ikey in enumerate(inter_keys):
        iname = _name("R11" if le and i == 0 else "mpnts test intermediate %d" % i,
                      "Let's Encrypt" if le else "mpnts test PKI")
        is_ca = not (ca_false_intermediate and i == 0)
        b = (x509.CertificateBuilder().subject_name(iname).issuer_name(issuer_name)
             .public_key(ikey.public_key()).serial_number(0x2000 + i)
             .not_valid_before(_ts(now - 365 * DAY)).not_valid_after(_ts(now + 3 * 365 * DAY)))
        if not (no_bc_intermediate and i == 0):
            b = b.add_extension(x509.BasicConstraints(ca=is_ca, path_length=None),
                                critical=True)
        b = (b.add_extension(_ca_usage() if is_ca else _leaf_usage(False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                   ExtendedKeyUsageOID.CLIENT_AUTH]),
                            critical=False))
        b = (b.add_extension(x509.SubjectKeyIdentifier.from_public_key(ikey.public_key()),
                             critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                 issuer_key.public_key()), critical=False))
        cert = _sign(b, issuer_key, hash_name, pss)
        inter_ders.append(_der(cert))
        issuer_name, issuer_key = iname, ikey

    if expired:
        nb, na = now - 91 * DAY, now - DAY
    elif not_yet_valid:
        nb, na = now + DAY, now + 91 * DAY
    else:
        nb, na = now - DAY, now + 89 * DAY
    dns = [hostname] if dns_names is None and hostname else list(dns_names or [])
    ipl = [ip] if ips is None and ip else list(ips or [])
    san = [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ipl]
    if eku is None:
        eku = [ExtendedKeyUsageOID.CLIENT_AUTH] if no_server_auth \
            else [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    leaf_name = _name(dns[0] if dns else (hostname or "leaf"), "mpnts test server")

    def build_leaf(key, serial):
        b = (x509.CertificateBuilder().subject_name(leaf_name)
             .issuer_name(issuer_name).public_key(key.public_key()).serial_number(serial)
             .not_valid_before(_ts(nb)).not_valid_after(_ts(na))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(_leaf_usage(leaf_bad_key_usage), critical=True))
        if eku:
            b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
        if san:
            b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
        if unknown_critical:
            b = b.add_extension(x509.UnrecognizedExtension(
                ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00"), critical=True)
        der = _der(_sign(b, issuer_key, hash_name, pss or pss_salt is not None, pss_salt))
        return _flip_signature_bit(der) if bad_signature else der

    leaf_der = build_leaf(leaf_key, 0x3000)
    c = Chain()
    c.kind, c.hostname, c.ip, c.now = kind, hostname, ip, now
    c.dir = str(tmpdir)
    c.root_der = _der(root)
    c.leaf_der = leaf_der
    c.intermediates_der = inter_ders
    c.chain_der = [leaf_der] + inter_ders
    c.not_before, c.not_after = nb, na
    c.root_key, c.leaf_key = root_key, leaf_key
    pre = prefix or "%s-%s" % (kind, seed)
    c.root_pem_path = _write(tmpdir, pre + "-root.pem", _pem_raw(c.root_der))
    c.leaf_cert_pem_path = _write(tmpdir, pre + "-leaf.pem", _pem_raw(leaf_der))
    c.leaf_key_pem_path = _write(tmpdir, pre + "-leaf.key", leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    c.chain_pem_path = _write(tmpdir, pre + "-chain.pem",
                              b"".join(_pem_raw(d) for d in c.chain_der))
    c.inter_pem_path = _write(tmpdir, pre + "-inter.pem",
                              b"".join(_pem_raw(d) for d in inter_ders)) if inter_ders else None
    # More leaves of the same names from the same issuer, each with a key of its own:
    # servers that must count as distinct sources (nts.sources: one certificate, one
    # source) each get one. c.leaves[i] = (chain PEM path, key PEM path); [0] is the above.
    c.leaves = [(c.chain_pem_path, c.leaf_key_pem_path)]
    for i in range(1, leaves):
        key = (ec_key(curve, seed, "leaf%d" % i) if kind == "ecdsa"
               else rsa_key(3072 if le else 2048, seed, "leaf%d" % i))
        der = build_leaf(key, 0x3000 + i)
        c.leaves.append((
            _write(tmpdir, "%s-leaf%d-chain.pem" % (pre, i),
                   b"".join(_pem_raw(d) for d in [der] + inter_ders)),
            _write(tmpdir, "%s-leaf%d.key" % (pre, i), key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))))
    return c


def _write(tmpdir, name, data):
    path = os.path.join(str(tmpdir), name)
    with open(path, "wb") as f:
        f.write(data)
    return path
