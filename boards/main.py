# main.py for a board running mpnts: the time service next to the application's own
# asyncio tasks on one loop (tools/deploy.py copies this file; edit it or pass your own
# with --main). The service reads the configuration file and the CAs named by the board
# settings (mpnts_board: CONFIG_PATH, CA_DIR); when they are missing or wrong it prints
# why ("mpnts: not started: ...") and the application runs on without time sync.
#
# At the REPL (after Ctrl-C): nts.status(). tools/deploy.py status shows the same and
# restarts this file.
import asyncio

import nts.service


async def application():
    # The charger's own work (OCPP, metering, ...) goes here, as one or more coroutines
    # passed to nts.service.run(). This placeholder only keeps the loop company.
    while True:
        await asyncio.sleep(3600)


nts.service.run(application())
