# The OCPP side of mpnts: message handlers that any OCPP stack can call (JSON payload
# in, JSON payload out, no I/O of their own), named and shaped as the OCPP time white
# paper asks (shared/WHITEPAPER.md). A board whose charger stack does not speak to the
# handlers leaves this package out of its manifest.
#
#   settings   the one settings table (1.6 keys <-> 2.x variables), bound to nts.config
#   (nts.values, outside this package: OCPP string <-> typed value, the one conversion)
#   rfc3339    OCPP date-time <-> unix ns
#   station    the running configuration: validate whole, persist, hand to the engine
#   v16        GetConfiguration / ChangeConfiguration
#   v201       GetVariables / SetVariables / GetBaseReport -> NotifyReport
# The OCPP-J transport and station (issue 11), for a charger without its own OCPP stack:
#   wscodec    RFC 6455 client codec (sans-IO); sha1: plain twin where hashlib lacks it
#   wslink     ws:// / wss:// connection on asyncio streams
#   ocppj      CALL / CALLRESULT / CALLERROR framing; session: one outstanding CALL
#   chargepoint  boot, heartbeat, the handlers above, engine, security events out
