"""streamlit-persist: keep Streamlit session state in browser storage across reloads.

>>> import streamlit_persist as sp
>>> p = sp.persist(["theme", "name", "filter_*"])
"""

from streamlit_persist._codec import register_codec
from streamlit_persist._crypto import Keyring, Passphrase, generate_secret, passphrase
from streamlit_persist._persisted import Persisted, persist
from streamlit_persist.exceptions import ErrorRecord, PersistError, UsageError

__all__ = [
    "ErrorRecord",
    "Keyring",
    "Passphrase",
    "PersistError",
    "Persisted",
    "UsageError",
    "generate_secret",
    "passphrase",
    "persist",
    "register_codec",
]
__version__ = "0.1.0"
