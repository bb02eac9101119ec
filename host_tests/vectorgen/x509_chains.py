"""Chain verification cases referring to x509_certs by id. See _x509_build."""
from host_tests.vectorgen._x509_build import build


def cases():
    return iter(build()[1])
