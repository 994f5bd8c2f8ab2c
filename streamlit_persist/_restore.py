"""Opening stored entries: decode them, and bring older schema versions up to date.

Pure apart from the mirror and the reporter it is given: which values go into session state
is the caller's business. An entry that cannot be trusted or read is reported and dropped
from storage; one written by a newer release (the app was rolled back) is left unread.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streamlit_persist._mirror import Mirror
from streamlit_persist._options import Migrate
from streamlit_persist._report import LOGGER, Reporter
from streamlit_persist.exceptions import PersistError


def open_entries(
    mirror: Mirror, slots: Iterable[str], *, version: int, migrate: Migrate | None, reporter: Reporter
) -> tuple[dict[str, Any], list[str]]:
    """The values of ``slots`` at schema ``version`` (migrated if need be), and the slots that failed."""
    values: dict[str, Any] = {}
    failed: list[str] = []
    older: dict[int, dict[str, Any]] = {}
    for slot in slots:
        try:
            opened = mirror.open(slot)
            value = opened.value()
        except PersistError as error:
            reporter.error(error, slot)
            mirror.remove(slot)  # it can never be read: drop it
            failed.append(slot)
            continue
        if opened.version == version:
            mirror.note_value(slot, value)
            values[slot] = value
        elif opened.version < version:
            older.setdefault(opened.version, {})[slot] = value
        else:
            message = f"stored under schema version {opened.version}, newer than this app's {version}; left unread"
            reporter.report("dropped", message, slot)
    for stored_version in sorted(older):
        values.update(_migrate(mirror, older[stored_version], stored_version, version, migrate, reporter))
    return values, failed


def _migrate(
    mirror: Mirror, values: dict[str, Any], version: int, target: int, migrate: Migrate | None, reporter: Reporter
) -> dict[str, Any]:
    """Bring values of an older schema version up to date, all of them or none."""
    if migrate is None:
        for slot in values:
            mirror.remove(slot)
            reporter.report("dropped", f"stored under schema version {version}; no migrate= to reach {target}", slot)
        return {}
    try:
        migrated = migrate(dict(values), version)
        if not isinstance(migrated, dict) or not all(isinstance(k, str) for k in migrated):
            raise TypeError(f"migrate() must return a dict of str keys, not {type(migrated).__name__}")
    except Exception as e:
        LOGGER.warning("streamlit-persist: migrate() failed for version %s", version, exc_info=True)
        for slot in values:
            mirror.remove(slot)
            reporter.report("dropped", f"migrate() failed from version {version}: {e!r}", slot)
        return {}
    for slot in values:
        if slot not in migrated:
            mirror.remove(slot)  # migrate() dropped it on purpose
    for slot in migrated:
        reporter.report("migrated", f"migrated from schema version {version} to {target}", slot)
    return migrated  # the next write stores them at this version (their entries are stale)
