"""Reference NTS servers for host tests: our own CPython server (server.py, with fault
injection), chrony and NTPsec run on loopback, and the pyOpenSSL client transport that puts
the firmware's sans-IO NTS core on a real TLS stack. CPython only."""
