# The firmware's build time, unix seconds. The true time is known to be later than this,
# so after a reboot with an untrusted clock it is the floor below which no certificate's
# notAfter may lie (see nts.tls.trust.CertTimePolicy and nts.engine). tools/build_mpy.py
# compiles bundles with BUILD_TIME set to their build time; a frozen build freezes this
# release date. The persisted last good time raises the floor further.
BUILD_TIME = 1795651200     # 2026-11-26T00:00:00Z
