"""streamlit-persist: keep Streamlit session state across reloads, devices and sessions.

>>> import streamlit_persist as sp
>>> p = sp.persist(["theme", "name", "filter_*"])            # the browser's storage
>>> p = sp.persist(["prefs"], storage="user")                 # the signed-in user's, on the server
>>> visits = sp.shared("visits", default=0)                   # one value for every session
"""

from streamlit_persist._api import persist
from streamlit_persist._codec import register_codec
from streamlit_persist._crypto import Keyring, Passphrase, generate_secret, passphrase
from streamlit_persist._persisted import Persisted
from streamlit_persist._shared import Shared, shared
from streamlit_persist.exceptions import ErrorRecord, PersistError, UsageError

__all__ = [
    "ErrorRecord",
    "Keyring",
    "Passphrase",
    "PersistError",
    "Persisted",
    "Shared",
    "UsageError",
    "generate_secret",
    "passphrase",
    "persist",
    "register_codec",
    "shared",
]
__version__ = "0.1.0"
