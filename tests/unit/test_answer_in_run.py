"""Which rerun requests a page load's run may take as storage's answer (``_streamlit.Waiter``).

A taken request starts no script run, so anything the user did must never be in it: these
build the ``ClientState`` protos the browser sends and check what is taken and what is left
for Streamlit. The real path (a page load restored in one run) is in
``tests/e2e/test_boot_and_sync.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import pytest
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.WidgetStates_pb2 import WidgetState

from streamlit_persist import _streamlit

BASE = "$$ID-0123-_streamlit_persist/streamlit_persist"
TRIGGER = f"$$STREAMLIT_INTERNAL_KEY_{BASE}__events"
PAGE = "page-hash"
QUERY = "n=3"
ANSWER = {"sid": "s1", "answers": [{"req": "s1-1", "entries": {"a": "sp1.p.-.1.x"}}]}


def slider_state(value: float) -> WidgetState:
    state = WidgetState(id="$$ID-slider-lvl")
    state.double_array_value.data.append(value)
    return state


def waiter(*, accept: bool = True, unchanged: dict[str, WidgetState] | None = None) -> _streamlit.Waiter:
    return _streamlit.Waiter(
        trigger=TRIGGER,
        base=BASE,
        event="message",
        page=PAGE,
        query=QUERY,
        unchanged=unchanged or {},
        accept=lambda message: accept and message == ANSWER,
    )


def request(*, message: object = ANSWER, extra: Sequence[WidgetState] = (), **fields: object) -> ClientState:
    client = ClientState(query_string=QUERY, page_script_hash=PAGE)
    for name, value in fields.items():
        setattr(client, name, value)
    if message is not None:
        ours = client.widget_states.widgets.add()
        ours.id = TRIGGER
        ours.json_trigger_value = json.dumps([{"event": "message", "value": message}])
    client.widget_states.widgets.extend(extra)
    return client


def test_a_request_carrying_only_the_answer_is_taken() -> None:
    w = waiter()
    assert w.offer(request())
    assert w.done.is_set()
    assert w.close() == ANSWER


def test_the_page_hash_may_be_left_empty_by_the_browser() -> None:
    assert waiter().offer(request(page_script_hash=""))


def test_widgets_as_the_run_started_with_them_ride_along() -> None:
    w = waiter(unchanged={"$$ID-slider-lvl": slider_state(3.0)})
    assert w.offer(request(extra=[slider_state(3.0)]))


@pytest.mark.parametrize(
    ("case", "client"),
    [
        ("a widget the user changed", request(extra=[slider_state(7.0)])),
        ("a widget the run did not start with", request(extra=[WidgetState(id="$$ID-new", bool_value=True)])),
        ("a fragment's rerun", request(fragment_id="frag-1")),
        ("an automatic rerun", request(is_auto_rerun=True)),
        ("another page", request(page_script_hash="other-page")),
        ("another query string", request(query_string="n=4")),
        ("no message of ours", request(message=None)),
        ("a message of another session", request(message={"sid": "s0", "answers": ANSWER["answers"]})),
    ],
)
def test_anything_else_is_left_for_streamlit(case: str, client: ClientState) -> None:
    w = waiter(unchanged={"$$ID-slider-lvl": slider_state(3.0)})
    assert not w.offer(client), case
    assert not w.done.is_set()
    assert w.close() is None


def test_a_message_the_caller_refuses_is_left_for_streamlit() -> None:
    assert not waiter(accept=False).offer(request())


def test_other_events_of_the_component_are_not_taken_for_ours() -> None:
    client = request(message=None)
    ours = client.widget_states.widgets.add()
    ours.id = TRIGGER
    ours.json_trigger_value = json.dumps([{"event": "other", "value": ANSWER}])
    assert not waiter().offer(client)


def test_one_answer_only_and_none_once_closed() -> None:
    w = waiter()
    assert w.offer(request())
    assert not w.offer(request()), "a second request is a run of its own"
    closed = waiter()
    assert closed.close() is None
    assert not closed.offer(request()), "after the run stopped waiting, the message reruns as usual"


def test_an_offer_racing_the_close_is_either_taken_or_left_never_lost() -> None:
    """The server's thread offers while the script thread gives up: taken means returned."""
    for _ in range(200):
        w = waiter()
        offered: list[bool] = []
        thread = threading.Thread(target=lambda w=w, out=offered: out.append(w.offer(request())))
        thread.start()
        taken = w.close()
        thread.join()
        assert offered[0] == (taken == ANSWER)


def test_outside_a_server_nothing_is_waited_for() -> None:
    """No script run here (and ``AppTest`` has no server): the usual rerun path, at once."""
    assert _streamlit.take_trigger("k", "message", 5.0, lambda _: True) is None
