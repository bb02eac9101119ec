# Cookie stash for one NTS association (RFC 8915 5.7, 6).
#
# This module is the one home of the cookie limits (RFC 8915 4.1.6, chrony's values):
#   MAX_COOKIE        bytes per cookie; nts.ke refuses a longer one in a response
#   MAX_COOKIES       cookies a stash holds, kept from one NTS-KE response and refilled
#                     to by each request's placeholders (nts.ntp.placeholders_for)
#   MAX_COOKIE_BYTES  cookie plus placeholder fields in one request (chrony: 8 x 108):
#                     long NTP packets are dropped on some networks as amplification
#                     protection, so with big cookies the stash refills over several polls
#
# Invariants:
#   - at most `capacity` cookies (default MAX_COOKIES); adding to a full stash drops the oldest,
#     which is the likeliest to have outlived the server's key rotation;
#   - cookies leave oldest first, and each leaves exactly once: `take` removes it, so a
#     cookie is never sent twice (a reused cookie links our requests for an observer);
#   - every cookie is 1..MAX_COOKIE bytes; anything else is refused;
#   - repr and status show the count only, never cookie bytes.
# The stash belongs to one key exchange: a new exchange starts a new stash.
from nts.errors import ParseError

MAX_COOKIE = 256
MAX_COOKIES = 8
MAX_COOKIE_BYTES = 8 * 108


class CookieStash:
    def __init__(self, cookies=(), capacity=MAX_COOKIES):
        self.capacity = capacity
        self._cookies = []
        for c in cookies:
            self.add(c)

    def add(self, cookie):
        if not 1 <= len(cookie) <= MAX_COOKIE:
            raise ParseError("cookie of %d bytes" % len(cookie))
        self._cookies.append(bytes(cookie))
        if len(self._cookies) > self.capacity:
            self._cookies.pop(0)

    def take(self):
        """The oldest cookie, removed from the stash; None when empty."""
        if not self._cookies:
            return None
        return self._cookies.pop(0)

    def clear(self):
        self._cookies = []

    def __len__(self):
        return len(self._cookies)

    def __repr__(self):
        return "CookieStash(%d/%d)" % (len(self._cookies), self.capacity)
