"""Changes made in st.fragment reruns reach storage when that fragment run ends."""

from playwright.sync_api import Page, expect

from tests.support.fixtures import StreamlitAppFactory
from tests.support.pages import expect_no_streamlit_exception, expect_runs

APP = "fragment_app.py"
TIMEOUT = 20_000


def stored_clicks(page: Page) -> str | None:
    value = page.evaluate("localStorage.getItem('sp:fragment_app:clicks')")
    return value if isinstance(value, str) else None


def test_fragment_changes_are_stored_without_a_full_run(streamlit_app: StreamlitAppFactory, page: Page) -> None:
    """Each fragment click is in storage right after its fragment run; a reload restores it."""
    page.goto(streamlit_app(APP).url)
    expect(page.get_by_text("clicks=0")).to_be_visible(timeout=TIMEOUT)
    for n in range(1, 4):
        page.get_by_role("button", name="Click").click()
        expect(page.get_by_text(f"clicks={n}")).to_be_visible(timeout=TIMEOUT)
        page.wait_for_function(
            f"(localStorage.getItem('sp:fragment_app:clicks') || '').endsWith(',{n}]')", timeout=TIMEOUT
        )
    expect_runs(page, 1)  # fragment reruns are not full script runs
    page.reload()
    expect(page.get_by_text("clicks=3")).to_be_visible(timeout=TIMEOUT)
    expect_runs(page, 1)  # restored from the boot cookie on the first run
    assert (stored_clicks(page) or "").endswith(",3]")
    expect_no_streamlit_exception(page)
