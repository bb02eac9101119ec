# SecurityEventNotification requests waiting for the CSMS (OCPP A04.FR.02: queued while
# offline, delivered in order after reconnect), on flash so a power cut loses none.
#
#   q = EventQueue("/nts_events.q")
#   q.put(payload)                     # synced before it returns
#   seq, payload = q.peek()            # oldest undelivered, or None
#   q.delivered(seq)                   # after the CSMS answered
#
# The queue file holds records in nts.ocpp.chainlog's framing (a torn tail is cut off
# on open); `path`.ack (written atomically) holds the last delivered seq and how many
# were dropped. Delivery is at least once: a cut between the CSMS's answer and
# delivered() sends that event again. Bounded: at `limit` waiting events the oldest is
# dropped and counted (`dropped`, in status()); when every event is delivered the file
# is removed, and when delivered ones fill more than `compact_bytes` the waiting ones
# are copied to a new file; numbering continues from the ack file.
import os

from nts.atomicfile import sync_file, write_atomic
from nts.ocpp import chainlog

DEFAULT_LIMIT = 64
COMPACT_BYTES = 8192


class EventQueue:
    def __init__(self, path, limit=DEFAULT_LIMIT):
        self.path = path
        self.ack_path = path + ".ack"
        self.limit = limit
        self.acked, self.dropped = self._read_ack()
        self.log = chainlog.ChainLog(path, max_bytes=1 << 30)   # bounded by `limit`
        if self.log.seq < self.acked:       # the file went with everything delivered
            self.log.seq = self.acked

    def _read_ack(self):
        for p in (self.ack_path, self.ack_path + ".tmp"):
            try:
                with open(p) as f:
                    a, d = f.read().split()
                return int(a), int(d)
            except (OSError, ValueError):
                pass
        return 0, 0

    def _write_ack(self):
        write_atomic(self.ack_path, ("%d %d" % (self.acked, self.dropped)).encode())

    def __len__(self):
        return self.log.seq - self.acked

    def put(self, payload, time_ns=0):
        """Queue one request payload (a dict); returns its seq."""
        if len(self) >= self.limit:
            self.acked += 1
            self.dropped += 1
            self._write_ack()
        return self.log.append(time_ns, payload)

    def peek(self):
        """(seq, payload) of the oldest undelivered event, or None."""
        for seq, _, payload in self.log.entries():
            if seq > self.acked:
                return seq, payload
        return None

    def delivered(self, seq):
        """The CSMS has answered event `seq` (and so every one before it)."""
        if seq <= self.acked:
            return
        self.acked = seq
        self._write_ack()
        if self.acked >= self.log.seq:
            for p in (self.path, self.path + ".1"):
                try:
                    os.remove(p)
                except OSError:
                    pass
            self.log.size = 0
        elif self.log.size > COMPACT_BYTES:
            self._compact()

    def _compact(self):
        # Records are copied as they are (each keeps its own hash; the queue needs no
        # chain), streamed record by record into `path`.tmp, then renamed over.
        tmp = self.path + ".tmp"
        with open(self.path, "rb") as src, open(tmp, "wb") as dst:
            start = 0
            for seq, _, _, _, _, end in chainlog.read(src):
                if seq > self.acked:
                    here = src.tell()
                    src.seek(start)
                    dst.write(src.read(end - start))
                    src.seek(here)
                start = end
            sync_file(dst)
            size = dst.tell()
        os.remove(self.path)
        os.rename(tmp, self.path)
        self.log.size = size

    def status(self):
        return {"waiting": len(self), "dropped": self.dropped, "last": self.log.seq}
