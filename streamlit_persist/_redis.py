"""The store on Redis or Valkey, for apps on several replicas: ``store="redis://host:port/db"``.

Layout (core commands only, so Valkey works too), under a prefix (``sp`` by default, or the
URL's ``?prefix=``); each name part is percent-escaped, so ``:`` in a namespace or user id
cannot collide:

- ``<prefix>:e:<ns>:<scope>:<owner>:<key>``: a hash ``t`` (token), ``r`` (revision), expiring
  with the value's ttl (key expiry);
- ``<prefix>:s:<ns>:<scope>:<owner>``: the set of keys of a space (expired members are
  dropped when read);
- ``<prefix>:seq``: the store-wide revision sequence;
- ``<prefix>:changes``: the channel of change notices: revision, space, the writing session
  and the keys, never values;
- ``<prefix>:lock:...`` and ``<prefix>:link:<id>``: ``with`` blocks and short share links.

Writes run as one Lua script (revision, values, key set, expiry, notice: all or nothing);
``update`` is compare-and-set on the revision, retried on conflict. One connection pool and
ONE pub/sub connection per process; after the pub/sub connection comes back, every session
re-reads what it follows (notices sent meanwhile are lost). Timeouts, health checks and
retries with backoff come from the ``redis`` client. Every failure is
``PersistError("store", ...)``.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

from streamlit_persist._store import RECONNECTED, Change, Entry, Listener, LockedEntry, Space
from streamlit_persist.exceptions import PersistError, UsageError

LOCK_SECONDS: Final = 30.0  # a with block holding a key longer than this loses it
LOCK_WAIT_SECONDS: Final = 5.0
MAX_CONNECTIONS: Final = 16  # per process, the pub/sub connection included
POOL_WAIT_SECONDS: Final = 5.0
CAS_ATTEMPTS: Final = 100
_SEP: Final = "\t"

# A notice: "<revision>\t<space id>\t<origin>\t<member>..." (quoted, so no tab inside a field).
# KEYS: seq, space set, channel; ARGV: space id, origin, then (entry key, member, token or "", expires ms or "") * n
_WRITE: Final = """
local rev = redis.call('INCR', KEYS[1])
local notices = {}
for i = 3, #ARGV, 4 do
  local entry, member, token, expires = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if token == '' then
    redis.call('DEL', entry)
    redis.call('SREM', KEYS[2], member)
  else
    redis.call('HSET', entry, 't', token, 'r', rev)
    redis.call('SADD', KEYS[2], member)
    if expires == '' then redis.call('PERSIST', entry) else redis.call('PEXPIREAT', entry, expires) end
  end
  notices[#notices + 1] = member
end
redis.call('PUBLISH', KEYS[3], rev .. '\\t' .. ARGV[1] .. '\\t' .. ARGV[2] .. '\\t' .. table.concat(notices, '\\t'))
return rev
"""
# KEYS: entry, seq, space set, channel; ARGV: expected revision ("" for none), token or "", space id, member,
# origin
_CAS: Final = """
local current = redis.call('HGET', KEYS[1], 'r')
if (current or '') ~= ARGV[1] then return -1 end
local rev = redis.call('INCR', KEYS[2])
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[3], ARGV[4])
else
  redis.call('HSET', KEYS[1], 't', ARGV[2], 'r', rev)
  redis.call('SADD', KEYS[3], ARGV[4])
end
redis.call('PUBLISH', KEYS[4], rev .. '\\t' .. ARGV[3] .. '\\t' .. ARGV[5] .. '\\t' .. ARGV[4])
return rev
"""
_UNLOCK: Final = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def _q(part: str) -> str:
    return quote(part, safe="")


def _text(value: object) -> str | None:
    """A reply as text (the client decodes responses; anything else is not ours)."""
    return value if isinstance(value, str) else None


def _space_id(space: Space) -> str:
    return f"{_q(space.namespace)}:{space.scope}:{_q(space.owner)}"


def _parse_space(text: str) -> Space | None:
    parts = text.split(":")
    if len(parts) != 3 or parts[1] not in ("user", "app", "shared"):
        return None
    return Space(unquote(parts[0]), parts[1], unquote(parts[2]))  # type: ignore[arg-type]


class RedisStore:
    """A store in Redis or Valkey (``redis://``, ``rediss://``)."""

    def __init__(self, url: str) -> None:
        try:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry
        except ImportError as e:
            raise UsageError(f"store={url!r} needs the redis client: pip install 'streamlit-persist[redis]'") from e
        split = urlsplit(url)
        options = parse_qs(split.query)
        self.prefix = options.pop("prefix", ["sp"])[0]
        self.url = urlunsplit((split.scheme, split.hostname or "", split.path, "", ""))  # no password
        if split.port:
            self.url = urlunsplit((split.scheme, f"{split.hostname}:{split.port}", split.path, "", ""))
        self._errors = (redis.RedisError, OSError)
        pool = redis.BlockingConnectionPool.from_url(
            urlunsplit((split.scheme, split.netloc, split.path, "", "")),
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_WAIT_SECONDS,  # a burst of sessions waits for a connection, not fails
            decode_responses=True,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            health_check_interval=15,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 2),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
        # Any: the client's annotations do not follow decode_responses; closing it closes the pool
        self._client: Any = redis.Redis.from_pool(pool)
        self._write_script = self._client.register_script(_WRITE)
        self._cas_script = self._client.register_script(_CAS)
        self._unlock_script = self._client.register_script(_UNLOCK)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._subscriber: threading.Thread | None = None
        self._closed = threading.Event()

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r}, prefix={self.prefix!r})"

    # -- names -------------------------------------------------------------------------------

    def _entry(self, space: Space, key: str) -> str:
        return f"{self.prefix}:e:{_space_id(space)}:{_q(key)}"

    def _set(self, space: Space) -> str:
        return f"{self.prefix}:s:{_space_id(space)}"

    @property
    def _seq(self) -> str:
        return f"{self.prefix}:seq"

    @property
    def _channel(self) -> str:
        return f"{self.prefix}:changes"

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except self._errors as e:
            raise PersistError("store", f"{self.url}: {e}") from e

    # -- reading and writing ---------------------------------------------------------------

    def read(self, space: Space) -> dict[str, Entry]:
        with self._failures():
            members = sorted(self._client.smembers(self._set(space)))
            if not members:
                return {}
            pipe = self._client.pipeline(transaction=False)
            for member in members:
                pipe.hmget(f"{self.prefix}:e:{_space_id(space)}:{member}", "t", "r")
            rows = pipe.execute()
            found: dict[str, Entry] = {}
            gone = []
            for member, (token, revision) in zip(members, rows, strict=True):
                if token is None or revision is None:
                    gone.append(member)  # expired: the key went, its set member stayed
                else:
                    found[unquote(member)] = Entry(token, int(revision))
            if gone:
                self._client.srem(self._set(space), *gone)
            return found

    def write(
        self, space: Space, writes: Mapping[str, str | None], expires: Mapping[str, int | None], *, origin: str = ""
    ) -> int:
        if not writes:
            return 0
        args: list[str] = [_space_id(space), _q(origin)]
        for key, token in writes.items():
            expiry = expires.get(key)
            args += [self._entry(space, key), _q(key), token or "", "" if expiry is None else str(expiry * 1000)]
        with self._failures():
            return int(self._write_script(keys=[self._seq, self._set(space), self._channel], args=args))

    def update(
        self, space: Space, key: str, change: Callable[[str | None], str | None], *, origin: str = ""
    ) -> Entry | None:
        entry = self._entry(space, key)
        for attempt in range(CAS_ATTEMPTS):
            with self._failures():
                token, revision = (_text(v) for v in self._client.hmget(entry, "t", "r"))
            new = change(token)
            with self._failures():
                done = int(
                    self._cas_script(
                        keys=[entry, self._seq, self._set(space), self._channel],
                        args=[revision or "", new or "", _space_id(space), _q(key), _q(origin)],
                    )
                )
            if done >= 0:
                return None if new is None else Entry(new, done)
            time.sleep(min(0.05, 0.001 * (attempt + 1)))  # another writer won: read again
        raise PersistError("store", f"{self.url}: {key!r} kept changing; gave up after {CAS_ATTEMPTS} attempts")

    @contextlib.contextmanager
    def locked(self, space: Space, key: str, *, origin: str = "") -> Iterator[LockedEntry]:
        lock = f"{self.prefix}:lock:{_space_id(space)}:{_q(key)}"
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        with self._failures():
            while not self._client.set(lock, owner, nx=True, px=int(LOCK_SECONDS * 1000)):
                if time.monotonic() > deadline:
                    raise PersistError("store", f"{self.url}: {key!r} is held by another writer")
                time.sleep(0.01)
        try:
            with self._failures():
                token = _text(self._client.hget(self._entry(space, key), "t"))
            held = LockedEntry(token)
            yield held
            if held.changed:
                held.revision = self.write(space, {key: held.token}, {}, origin=origin)
        finally:
            with contextlib.suppress(*self._errors):
                self._unlock_script(keys=[lock], args=[owner])

    # -- change notification -----------------------------------------------------------------

    def listen(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)
            if self._subscriber is None:
                self._subscriber = threading.Thread(target=self._subscribe, name="streamlit-persist-redis", daemon=True)
                self._subscriber.start()

    def _notify(self, changes: list[Change]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            with contextlib.suppress(Exception):
                listener(changes)

    def _subscribe(self) -> None:
        """ONE pub/sub connection for the process, reconnected with backoff."""
        delay = 0.1
        connected_before = False
        while not self._closed.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self._channel)
                # the client may also reconnect (and resubscribe) by itself, silently
                pubsub.connection.register_connect_callback(self._reconnected)
                if connected_before:
                    self._reconnected()
                connected_before, delay = True, 0.1
                while not self._closed.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._notify(self._parse(str(message["data"])))
            except self._errors:
                self._closed.wait(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(*self._errors):
                    pubsub.close()

    def _reconnected(self, _connection: object = None) -> None:
        """Notices sent while the pub/sub connection was down are lost: listeners read again."""
        self._notify([Change(RECONNECTED, "*", 0)])

    @staticmethod
    def _parse(data: str) -> list[Change]:
        parts = data.split(_SEP)
        if len(parts) < 4 or not parts[0].isdigit():
            return []
        space = _parse_space(parts[1])
        if space is None:
            return []
        origin = unquote(parts[2])
        return [Change(space, unquote(member), int(parts[0]), origin) for member in parts[3:]]

    # -- operators and links -----------------------------------------------------------------

    def _entries(self) -> Iterator[tuple[Space, str, str | None]]:
        with self._failures():
            for name in self._client.scan_iter(match=f"{self.prefix}:e:*", count=500):
                parts = str(name)[len(self.prefix) + 3 :].split(":")
                if len(parts) != 4:
                    continue
                space = _parse_space(":".join(parts[:3]))
                if space is not None:
                    yield space, unquote(parts[3]), _text(self._client.hget(name, "t"))

    def owners(self, namespace: str | None = None) -> dict[tuple[str, str, str], int]:
        counts: dict[tuple[str, str, str], int] = {}
        for space, _, token in self._entries():
            if token is not None and (namespace is None or space.namespace == namespace):
                counted = (space.namespace, space.scope, space.owner)
                counts[counted] = counts.get(counted, 0) + 1
        return counts

    def export(self, owner: str) -> list[tuple[Space, str, str]]:
        found = [(space, key, token) for space, key, token in self._entries() if space.owner == owner and token]
        return sorted(found, key=lambda row: (row[0].namespace, row[0].scope, row[1]))

    def purge(self, owner: str | None = None, *, expired: bool = False) -> int:
        """Expiry is Redis's own (key expiry); ``expired`` only tidies the key sets."""
        removed = 0
        if owner:
            for space, key, _ in list(self._entries()):
                if space.owner == owner:
                    self.write(space, {key: None}, {})
                    removed += 1
        if expired:
            with self._failures():
                for name in self._client.scan_iter(match=f"{self.prefix}:s:*", count=500):
                    found = _parse_space(str(name)[len(self.prefix) + 3 :])
                    if found is not None:
                        self.read(found)  # drops members whose key expired
        return removed

    def put_link(self, link_id: str, value: str, expires_at: int | None) -> None:
        with self._failures():
            name = f"{self.prefix}:link:{link_id}"
            self._client.set(name, value, pxat=None if expires_at is None else expires_at * 1000)

    def get_link(self, link_id: str) -> str | None:
        with self._failures():
            value = self._client.get(f"{self.prefix}:link:{link_id}")
        return value if isinstance(value, str) else None

    def close(self) -> None:
        self._closed.set()
        if self._subscriber is not None:
            self._subscriber.join(timeout=3)
        with contextlib.suppress(*self._errors):
            self._client.close()
