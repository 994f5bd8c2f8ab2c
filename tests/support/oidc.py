"""A local OpenID Connect provider for real sign-in tests: ``oidc-provider-mock`` in its own process.

>>> with OidcProvider() as idp:
...     (app_dir / ".streamlit" / "secrets.toml").write_text(auth_secrets(idp, app_port=8765))
...     # start the app, click its st.login button, then:
...     sign_in_at_provider(page, "ann")

The provider accepts any client id and secret and any redirect URI, and its authorization page
is a form where the test types the user's ``sub`` (a user it has not seen is created on the
spot, with ``email = sub``). It binds ``127.0.0.1`` (loopback only) and is addressed by that
IP, so its cookies never mix with those of the app on ``localhost`` (cookies ignore ports).
Its pages link a stylesheet on a CDN: :func:`keep_on_loopback` answers such requests in the
browser with an empty body, so nothing leaves the machine and no console error is logged.
"""

from __future__ import annotations

import json
import sys
from typing import Final
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route

from tests.support.process import Service, ServiceError, http_body
from tests.support.streamlit_server import HOST, free_port

IDP_HOST: Final = "127.0.0.1"
LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
CLIENT_ID: Final = "streamlit-persist-tests"
CLIENT_SECRET: Final = "streamlit-persist-tests-client-secret"  # the mock accepts any secret
# Signs Streamlit's own auth cookie; any string will do for a test.
AUTH_COOKIE_SECRET: Final = "streamlit-persist-tests-auth-cookie-secret-7c21"


class OidcProviderError(ServiceError):
    """The provider did not start; the message carries what it printed."""


class OidcProvider(Service):
    """``python -m oidc_provider_mock`` on a free loopback port, as a context manager.

    Parameters
    ----------
    port
        A fixed port; a free one by default.
    startup_timeout
        Seconds to wait for its discovery document.
    """

    error = OidcProviderError

    def __init__(self, *, port: int | None = None, startup_timeout: float = 30.0) -> None:
        super().__init__(startup_timeout=startup_timeout)
        self.port = port if port is not None else free_port()
        self.metadata: dict[str, object] = {}

    @property
    def name(self) -> str:
        return "oidc-provider-mock"

    @property
    def url(self) -> str:
        """The provider's base URL, e.g. ``http://127.0.0.1:9400``."""
        return f"http://{IDP_HOST}:{self.port}"

    @property
    def metadata_url(self) -> str:
        """The discovery document (``server_metadata_url`` of Streamlit's ``[auth]``)."""
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens it issues (what ``st.user["iss"]`` shows)."""
        issuer = self.metadata.get("issuer")
        if not isinstance(issuer, str):
            raise OidcProviderError("the provider is not started")
        return issuer

    def command(self) -> list[str]:
        return [sys.executable, "-m", "oidc_provider_mock", "--host", IDP_HOST, "--port", str(self.port)]

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "NO_COLOR": "1"}

    def ready(self) -> bool:
        body = http_body(self.metadata_url)
        if body is None:
            return False
        self.metadata = json.loads(body.decode())
        return True


def auth_secrets(provider: OidcProvider, *, app_port: int) -> str:
    """A ``.streamlit/secrets.toml`` whose ``[auth]`` signs in with ``provider`` (app on ``app_port``)."""
    values = {
        "redirect_uri": f"http://{HOST}:{app_port}/oauth2callback",
        "cookie_secret": AUTH_COOKIE_SECRET,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "server_metadata_url": provider.metadata_url,
    }
    lines = [f"{name} = {json.dumps(value)}" for name, value in values.items()]  # JSON strings are TOML strings
    return "[auth]\n" + "\n".join(lines) + "\n"


def keep_on_loopback(context: BrowserContext) -> None:
    """Answer every request to a non-loopback host in ``context`` with an empty body."""

    def elsewhere(url: str) -> bool:
        return urlsplit(url).hostname not in LOOPBACK_HOSTS

    def empty(route: Route) -> None:
        content_type = "text/css" if route.request.resource_type == "stylesheet" else "text/plain"
        route.fulfill(status=200, content_type=content_type, body="")

    context.route(elsewhere, empty)


def sign_in_at_provider(page: Page, sub: str, provider: OidcProvider) -> None:
    """On the provider's authorization form (the page is on its way there): sign in as ``sub``."""
    page.wait_for_url(f"{provider.url}/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def end_session_at_provider(page: Page, provider: OidcProvider) -> None:
    """On the provider's end-session page (after ``st.logout``): confirm; it redirects to the app."""
    page.wait_for_url(f"{provider.url}/oauth2/end_session**")
    page.get_by_role("button", name="End session", exact=True).click()
