# Freeze manifest of the optional OCPP layer (firmware/nts/ocpp: settings table, 1.6 and
# 2.0.1 handlers, certificates, events, logs), included by mpnts_manifest.py unless a
# board passes ocpp=False. Needs the core (mpnts_manifest.py); no metadata() here, as an
# included manifest shares its includer's. mip: package-ocpp.json (tools/gen_packages.py).
import os  # noqa: E402

package("nts", files=sorted("ocpp/" + f for f in os.listdir("../firmware/nts/ocpp")
                            if f.endswith(".py")), base_path="../firmware", opt=3)
