# Shared by the OCPP handler tests: a station over a three-server legal group, with a
# fake engine that records the configurations it is handed; 2.0.1 request helpers.
import os
import sys

from nts.config import Config
from nts.ocpp import station, v201


class FakeEngine:
    """Counts the configurations handed over and keeps the last (small heaps)."""

    def __init__(self):
        self.handed = 0
        self.config = None

    def reconfigure(self, config):
        self.handed += 1
        self.config = config


def state_path(tag):
    """A fresh file path per test module and interpreter (they run in parallel)."""
    try:
        os.mkdir("build")
    except OSError:
        pass
    path = "build/ocpp_%s_%s.json" % (tag, sys.implementation.name)
    for p in (path, path + ".tmp"):
        try:
            os.remove(p)
        except OSError:
            pass
    return path


def make_station(persist=None):
    """persist: a tag naming the config file (None: not persisted)."""
    d = {"servers": [{"Instance": "ptb1", "ServerURL": "ptbtime1.ptb.de"},
                     {"Instance": "ptb2", "ServerURL": "ptbtime2.ptb.de"},
                     {"Instance": "ptb3", "ServerURL": "ptbtime3.ptb.de"}],
         "groups": {"legal": {"MinServers": 2, "Clients": ["ptb1", "ptb2", "ptb3"]}}}
    events = []
    path = state_path(persist) if persist else None
    st = station.Station(Config.from_dict(d), path, FakeEngine(), events.append,
                         lambda: 1795714200 * 1000000000)
    return st, events


def item(comp, var, inst=None, **extra):
    """A GetVariableData (component, variable, more fields)."""
    c = {"name": comp}
    if inst is not None:
        c["instance"] = inst
    it = {"component": c, "variable": {"name": var}}
    it.update(extra)
    return it


def set_item(comp, var, value, inst=None, **extra):
    """A SetVariableData."""
    it = item(comp, var, inst, **extra)
    it["attributeValue"] = value
    return it


def set_variables(st, *items):
    """(statuses, results) of one SetVariables request."""
    r = v201.set_variables(st, {"setVariableData": list(items)})["setVariableResult"]
    return [x["attributeStatus"] for x in r], r
