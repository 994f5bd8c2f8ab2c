"""streamlit-persist demo: change anything, reload the page, and it is all still there.

Also: a counter every visitor shares (``sp.shared``: atomic, live in every open tab), and,
when the app has ``[auth]`` configured in ``.streamlit/secrets.toml``, favourites that
follow a signed-in user to any device (``storage="user"``).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

import streamlit_persist as sp

st.set_page_config(page_title="streamlit-persist demo", page_icon="💾", layout="wide")

PERSISTED = ["accent", "name", "visits", "city_filter", "price_range", "since", "notes"]
# The filters can travel in a share link; a name or notes never do.
p = sp.persist(PERSISTED, share=["city_filter", "price_range", "since"])
p.wait()  # show nothing until stored values are back: no flash of defaults

st.session_state.setdefault("visits", 0)
st.session_state.visits += 1  # changed below persist(): still stored with this run

# The seed's "global counter" done right: one value for every session, updated atomically.
waves = sp.shared("waves", default=0)


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file
        return False


signed_in = auth_configured() and bool(st.user.get("is_logged_in"))
user_store = None
if signed_in:  # follows the user to any device; signed out, it would live in this browser
    user_store = sp.persist(["favorites"], storage="user", key="user_store")


def forget_me() -> None:
    """Remove everything from the browser and start this session afresh."""
    p.clear()
    for key in PERSISTED:
        st.session_state.pop(key, None)


st.title("💾 streamlit-persist")
st.caption(
    "Everything on this page lives in your browser's localStorage. "
    "Reload, close the tab, come back tomorrow: it is restored before the page draws."
)

settings, data = st.columns([1, 2], gap="large")
with settings:
    st.subheader("Your settings")
    st.text_input("Your name", key="name", placeholder="Ada")
    st.radio("Accent color", ["blue", "orange", "violet"], key="accent", horizontal=True)
    st.multiselect("Cities", ["Berlin", "Lagos", "Lima", "Osaka", "Oslo"], key="city_filter")
    st.slider("Price range (€)", 0, 500, (50, 250), key="price_range")
    st.date_input("Listed since", key="since", value=dt.date(2024, 1, 1))
    st.text_area("Draft notes", key="notes", placeholder="Half-written thoughts survive reloads too")

with data:
    greeting = f"Welcome back, {st.session_state.name}!" if st.session_state.get("name") else "Hello!"
    st.subheader(f":{st.session_state.accent}[{greeting}]")
    st.metric("Script runs remembered for you", st.session_state.visits)
    cities = st.session_state.get("city_filter") or ["every city"]
    low, high = st.session_state.price_range
    st.write(f"Showing **{', '.join(cities)}**, €{low} to €{high}, listed since {st.session_state.since:%d %b %Y}.")

    st.subheader("What your browser stores")
    p.inspector()  # every key: where it lives, size, age, expiry, problems; buttons to forget

    left, right = st.columns(2)
    with left:
        p.share_button("🔗 Copy a link to this view")
    with right:
        st.button("🧹 Forget me", on_click=forget_me, help="Remove every stored value from this browser")

    st.subheader("Shared by everyone")
    wave, count = st.columns([1, 2])
    with wave:
        if st.button("👋 Wave", help="Adds one to a counter every visitor sees, live"):
            waves.update(lambda n: n + 1)
    with count:
        st.metric("Waves from every visitor", waves.value)
    if auth_configured():
        st.subheader("Yours on every device")
        if user_store is not None:
            st.multiselect("Favourite cities", ["Berlin", "Lagos", "Lima", "Osaka", "Oslo"], key="favorites")
            with st.expander("What the server stores for you"):
                user_store.inspector()
            st.button("Sign out", on_click=st.logout)
        else:
            st.button("Sign in to keep favourites on every device", on_click=st.login)
