"""streamlit-persist: keep Streamlit session state in browser storage across reloads.

>>> import streamlit_persist as sp
>>> p = sp.persist(["theme", "name", "filter_*"])
"""

from streamlit_persist.codec import register_codec
from streamlit_persist.crypto import Keyring, Passphrase, generate_secret, passphrase
from streamlit_persist.exceptions import PersistError
from streamlit_persist.persisted import Persisted, persist

__all__ = [
    "Keyring",
    "Passphrase",
    "PersistError",
    "Persisted",
    "generate_secret",
    "passphrase",
    "persist",
    "register_codec",
]
__version__ = "0.1.0"
