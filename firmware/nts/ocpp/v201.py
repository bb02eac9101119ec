# OCPP 2.0.1 device-model handlers for the NTS components (nts.ocpp.settings):
# GetVariables, SetVariables, GetBaseReport -> NotifyReport pages. Payload in, payload
# out; components that are not ours come back UnknownComponent, for the charger's stack
# to answer from its own device model.
#
# SetVariables: the request's changes are first tried together, validated whole by
# nts.config (so coupled changes, such as a new NTPClientController plus its entry in a
# group's Clients, or MinInterval and MaxInterval moved past each other, go through);
# when the whole is invalid, each change is tried alone, in request order, so the valid
# ones are Accepted and each invalid one Rejected with its reason. Only the Actual
# attribute exists (others: NotSupportedAttributeType); no change needs a reboot.
# Variable instances exist only for ClockCtrlr NtpServerUri (instance = priority digit).
from nts.errors import ConfigError
from nts.ocpp import settings

REPORT_PAGE = 8     # reportData per NotifyReport: bounds the heap of a report page
_COMPONENTS = (settings.SERVER, settings.GROUP, settings.CLOCK)


def _info(code, message=""):
    info = {"reasonCode": code}
    if message:
        info["additionalInfo"] = message[:512]
    return info


def _names(item):
    comp = item.get("component") or {}
    var = item.get("variable") or {}
    return comp.get("name"), comp.get("instance"), var.get("name"), comp, var


def _unknown(comp, var):
    """The status for a component/variable not served, else None."""
    if comp.get("name") not in _COMPONENTS or "evse" in comp:
        return "UnknownComponent"
    if "instance" in var and not settings.has_instances(comp["name"], var.get("name")):
        return "UnknownVariable"
    return None


def _now(station):
    return station.now_ns() if station.now_ns is not None else None


def _result(item, status, info=None, value=None):
    r = {"attributeStatus": status, "component": item["component"],
         "variable": item["variable"]}
    if "attributeType" in item:
        r["attributeType"] = item["attributeType"]
    if info is not None:
        r["attributeStatusInfo"] = info
    if value is not None:
        r["attributeValue"] = value
    return r


def get_variables(station, req):
    """GetVariablesRequest -> GetVariablesResponse."""
    d = station.working_copy()
    now = _now(station)
    out = []
    for item in req["getVariableData"]:
        cname, inst, vname, comp, var = _names(item)
        status = _unknown(comp, var)
        if status is None and item.get("attributeType", "Actual") != "Actual":
            status = "NotSupportedAttributeType"
        if status is not None:
            out.append(_result(item, status))
            continue
        try:
            out.append(_result(item, "Accepted", value=settings.get_variable(
                d, cname, inst, vname, var.get("instance"), now)))
        except settings.UnknownSetting as e:
            out.append(_result(item, "UnknownComponent" if e.component else "UnknownVariable"))
    return {"getVariableResult": out}


def _apply(d, item):
    cname, inst, vname, comp, var = _names(item)
    settings.set_variable(d, cname, inst, vname, item["attributeValue"])


def _what(item):
    cname, inst, vname, comp, var = _names(item)
    return "%s[%s].%s" % (cname, inst or "", vname)


def set_variables(station, req):
    """SetVariablesRequest -> SetVariablesResponse."""
    items = req["setVariableData"]
    results = [None] * len(items)
    before = [s.Instance for s in station.config.servers]
    d = station.working_copy()
    pending = []
    for i, item in enumerate(items):
        comp = item["component"]
        status = _unknown(comp, item["variable"])
        if status is None and item.get("attributeType", "Actual") != "Actual":
            status = "NotSupportedAttributeType"
        if status is not None:
            results[i] = _result(item, status)
            continue
        try:
            _apply(d, item)
            pending.append(i)
        except settings.UnknownSetting as e:
            results[i] = _result(item, "UnknownComponent" if e.component else "UnknownVariable")
        except ConfigError as e:
            results[i] = _rejected(item, e)
    if pending:
        settings.drop_orphans(d, before)
        try:
            station.commit(d, ", ".join(_what(items[i]) for i in pending))
            for i in pending:
                results[i] = _result(items[i], "Accepted")
        except ConfigError:
            d = None    # each change alone starts from a fresh copy: free this one
            for i in pending:
                results[i] = _one(station, items[i], before)
        except OSError as e:
            for i in pending:
                results[i] = _result(items[i], "Rejected", _info("WriteFailed", str(e)))
    return {"setVariableResult": results}


def _rejected(item, e):
    code = "ReadOnly" if isinstance(e, settings.ReadOnlySetting) else "InvalidValue"
    return _result(item, "Rejected", _info(code, str(e)))


def _one(station, item, before):
    d = station.working_copy()
    try:
        _apply(d, item)
        settings.drop_orphans(d, before)
        station.commit(d, _what(item))
    except ConfigError as e:
        return _rejected(item, e)
    except OSError as e:
        return _result(item, "Rejected", _info("WriteFailed", str(e)))
    return _result(item, "Accepted")


# --- GetBaseReport -> NotifyReport -----------------------------------------------------

def get_base_report(station, req):
    """GetBaseReportRequest -> GetBaseReportResponse. When Accepted, the caller sends
    the NotifyReport pages of report(station, req["requestId"], req["reportBase"], ...)."""
    base = req["reportBase"]
    if base == "SummaryInventory":      # no availability or problem variables here
        return {"status": "EmptyResultSet"}
    if base not in ("ConfigurationInventory", "FullInventory"):
        return {"status": "NotSupported"}
    return {"status": "Accepted"}


def _instances(d):
    for s in d["servers"]:
        yield settings.SERVER, s["Instance"]
    for g in sorted(d["groups"]):
        yield settings.GROUP, g
    yield settings.CLOCK, None


def _rows(d, cname, now):
    """(variable, variable instance) pairs a component reports."""
    for var in settings.variables(cname):
        if settings.has_instances(cname, var):
            for n in range(min(len(d["servers"]), settings.MAX_URI_RANK)):
                yield var, str(n + 1)
        elif var != "DateTime" or now is not None:
            yield var, None


def _report_data(d, writable_only, now):
    for cname, inst in _instances(d):
        for var, vinst in _rows(d, cname, now):
            mut = settings.mutability(var)
            if writable_only and mut == "ReadOnly":
                continue
            name, kind, default, lo, hi = settings.spec(cname, var)
            comp = {"name": cname}
            if inst is not None:
                comp["instance"] = inst
            chars = {"dataType": settings.data_type(cname, var), "supportsMonitoring": False}
            unit = settings.UNITS.get(var)
            if unit:
                chars["unit"] = unit
            if kind in ("int", "num") and lo is not None:
                chars["minLimit"] = lo
                chars["maxLimit"] = hi
            elif kind in ("str", "host"):
                chars["maxLimit"] = hi      # 2.0.1: for strings, the maximum length
            if var in settings.OPTIONS:
                chars["valuesList"] = settings.OPTIONS[var]
            variable = {"name": var}
            if vinst is not None:
                variable["instance"] = vinst
            yield {"component": comp, "variable": variable,
                   "variableAttribute": [{"type": "Actual",
                                          "value": settings.get_variable(d, cname, inst, var,
                                                                         vinst, now),
                                          "mutability": mut,
                                          "persistent": settings.persistent(var),
                                          "constant": var == "NtpSource"}],
                   "variableCharacteristics": chars}


def report(station, request_id, report_base, generated_at, page=REPORT_PAGE):
    """The NotifyReportRequest payloads of a report, one at a time (a generator, so one
    page is in RAM at once). generated_at: an RFC 3339 string (nts.ocpp.rfc3339)."""
    rows = _report_data(station.working_copy(), report_base == "ConfigurationInventory",
                        _now(station))
    seq = 0
    batch = []
    for row in rows:
        if len(batch) == page:
            yield {"requestId": request_id, "generatedAt": generated_at, "seqNo": seq,
                   "tbc": True, "reportData": batch}
            seq += 1
            batch = []
        batch.append(row)
    yield {"requestId": request_id, "generatedAt": generated_at, "seqNo": seq,
           "tbc": False, "reportData": batch}
