"""The e2e harness itself works: server, browser, run counter, console-error watch."""

import pytest
from playwright.sync_api import Page, expect

from tests.support.fixtures import ConsoleErrors, NewContext, StreamlitAppFactory
from tests.support.pages import (
    element_by_key,
    expect_no_streamlit_exception,
    expect_runs,
    read_runs,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

APP = "bare_app.py"


class TestHarness:
    def test_page_loads_and_shows_text(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """The bare app renders its title and text after one script run."""
        server = streamlit_app(APP)
        page.goto(server.url)
        expect(page.get_by_text("Hello, world!")).to_be_visible()
        wait_for_app(page)
        expect_no_streamlit_exception(page)
        assert read_runs(page) == 1

    def test_run_counter_counts_reruns(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """A widget interaction is one more script run of the same session."""
        page.goto(streamlit_app(APP).url)
        expect_runs(page, 1)
        element_by_key(page, "rerun").get_by_role("button").click()
        expect(page.get_by_text("button clicked")).to_be_visible()
        expect_runs(page, 2)

    def test_reload_is_a_new_session(self, streamlit_app: StreamlitAppFactory, page: Page) -> None:
        """The counter restarts at 1 after a reload: it counts the runs of one page load."""
        page.goto(streamlit_app(APP).url)
        element_by_key(page, "rerun").get_by_role("button").click()
        expect_runs(page, 2)
        page.reload()
        expect_runs(page, 1)

    def test_server_is_shared_between_tests(self, streamlit_app: StreamlitAppFactory) -> None:
        """The same app and env give the same running server."""
        assert streamlit_app(APP) is streamlit_app(APP)
        assert streamlit_app(APP).running

    def test_console_errors_are_recorded(
        self, streamlit_app: StreamlitAppFactory, page: Page, console_errors: ConsoleErrors
    ) -> None:
        """A console.error on the page is caught (and allowed here, so the test passes)."""
        console_errors.allow(r"harness-probe")
        page.goto(streamlit_app(APP).url)
        wait_for_app(page)
        with page.expect_console_message(lambda m: "harness-probe" in m.text):
            page.evaluate("console.error('harness-probe')")
        assert any("harness-probe" in m for m in console_errors.messages)
        assert console_errors.unexpected() == []

    @pytest.mark.allow_console_error(r"marker-probe")
    def test_allow_console_error_marker(
        self, streamlit_app: StreamlitAppFactory, page: Page, console_errors: ConsoleErrors
    ) -> None:
        """The allow_console_error marker tolerates a matching message."""
        page.goto(streamlit_app(APP).url)
        wait_for_app(page)
        with page.expect_console_message(lambda m: "marker-probe" in m.text):
            page.evaluate("console.error('marker-probe')")
        assert any("marker-probe" in m for m in console_errors.messages)
        assert console_errors.unexpected() == []

    def test_storage_state_seeds_a_new_context(
        self, streamlit_app: StreamlitAppFactory, new_context: NewContext
    ) -> None:
        """new_context(storage_state=...) starts with the given localStorage."""
        server = streamlit_app(APP)
        origin = server.url.rstrip("/")
        state = {
            "cookies": [],
            "origins": [{"origin": origin, "localStorage": [{"name": "sp-probe", "value": "42"}]}],
        }
        page: Page = new_context(storage_state=state).new_page()
        page.goto(server.url)
        wait_for_app(page)
        assert page.evaluate("localStorage.getItem('sp-probe')") == "42"
