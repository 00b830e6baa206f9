"""A small Streamlit client speaking the browser's websocket protocol (no browser).

One `StreamlitSession` is one browser tab: it opens `/_stcore/stream` (with the tab's cookies on
the handshake), sends `rerun_script` BackMsgs carrying the widget states, and reads ForwardMsgs
until the run's `script_finished`. It keeps what a browser keeps to act on the page: every
widget by its element id (the user key is the id's tail: `$$ID-<hash>-<key>`), its label and
the fragment it was drawn in, the app's pages (for a menu link), and what the last run drew
(texts, markdown, chat message authors).

Widget values are sent as the frontend sends them: everything set so far in every rerun, a
trigger (button click, chat message) once; a widget drawn inside a fragment reruns only that
fragment (ClientState.fragment_id), as in the browser.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus
DONE = {FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
WIDGET_TYPES = {
    "button", "chat_input", "text_input", "text_area", "selectbox", "radio", "checkbox",
    "button_group", "number_input", "multiselect", "toggle", "form_submit_button",
}  # fmt: skip


class ProtocolError(RuntimeError):
    pass


@dataclass
class Widget:
    id: str
    type: str
    key: str | None
    label: str
    fragment_id: str
    proto: Any

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []) or [])


def user_key(element_id: str) -> str | None:
    parts = element_id.split("-", 2)
    return parts[2] if element_id.startswith("$$ID-") and len(parts) == 3 else None


@dataclass
class RunResult:
    seconds: float
    status: int
    texts: list[str] = field(default_factory=list)  # st.text / st.markdown bodies, in order
    chat_authors: list[str] = field(default_factory=list)  # chat_message names, in order
    exceptions: list[str] = field(default_factory=list)


class StreamlitSession:
    def __init__(self, base_url: str, *, cookies: dict[str, str] | None = None,
                 timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.widgets: dict[str, Widget] = {}  # by id, most recently drawn last
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.page_script_hash = ""
        self._values: dict[str, WidgetState] = {}  # what the "browser" holds, by widget id
        self._ws = None
        self._queue: asyncio.Queue[ForwardMsg | BaseException] = asyncio.Queue()
        self._reader: asyncio.Task | None = None

    # ------------------------------------------------------------ connection
    async def connect(self) -> None:
        import websockets

        url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await websockets.connect(
            url, subprotocols=["streamlit"], additional_headers=headers, max_size=None,
            open_timeout=self.timeout, ping_interval=None, compression=None,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
        self._ws = None

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                await self._queue.put(msg)
        except BaseException as exc:  # connection closed: the waiting run fails with it
            await self._queue.put(ProtocolError(f"websocket closed: {exc!r}"))
            raise

    # ------------------------------------------------------------ finding widgets
    def widget(self, key: str | None = None, *, label: str | None = None,
               type: str | None = None) -> Widget:
        """The most recently drawn widget with this user key (or label, and type)."""
        for w in reversed(list(self.widgets.values())):
            if key is not None and w.key != key:
                continue
            if label is not None and w.label != label:
                continue
            if type is not None and w.type != type:
                continue
            return w
        raise LookupError(f"no widget key={key!r} label={label!r} type={type!r} on the page")

    def has_widget(self, key: str) -> bool:
        return any(w.key == key for w in self.widgets.values())

    # ------------------------------------------------------------ running
    def set_value(self, w: Widget, value: Any) -> None:
        state = WidgetState(id=w.id)
        if w.type in ("text_input", "text_area", "selectbox", "radio"):
            state.string_value = value
        elif w.type in ("checkbox", "toggle"):
            state.bool_value = bool(value)
        elif w.type == "number_input":
            state.double_value = float(value)
        else:
            raise ValueError(f"set_value does not know {w.type}")
        self._values[w.id] = state

    async def click(self, w: Widget) -> RunResult:
        state = WidgetState(id=w.id, trigger_value=True)
        return await self.rerun(trigger=state, fragment_id=w.fragment_id)

    async def chat(self, w: Widget, text: str) -> RunResult:
        state = WidgetState(id=w.id)
        state.chat_input_value.data = text
        return await self.rerun(trigger=state, fragment_id=w.fragment_id)

    async def change(self, w: Widget, value: Any) -> RunResult:
        """A widget changed in the browser (its on_change reruns the page or its fragment)."""
        self.set_value(w, value)
        return await self.rerun(fragment_id=w.fragment_id)

    async def open(self, url_path: str = "") -> RunResult:
        """The first run of a new tab at /<url_path>."""
        if self._ws is None:
            await self.connect()
        return await self.rerun(page_name=url_path, url_path=url_path)

    async def goto(self, url_path: str) -> RunResult:
        """A menu link (st.page_link) to another page of the app."""
        page_hash = self.pages[url_path]
        return await self.rerun(page_script_hash=page_hash, url_path=url_path)

    async def rerun(self, *, trigger: WidgetState | None = None, fragment_id: str = "",
                    page_script_hash: str | None = None, page_name: str = "",
                    url_path: str | None = None) -> RunResult:
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = ""
        cs.page_script_hash = self.page_script_hash if page_script_hash is None \
            else page_script_hash
        cs.page_name = page_name
        cs.fragment_id = fragment_id or ""
        if url_path is not None:
            cs.context_info.url = f"{self.base_url}/{url_path}"
        cs.context_info.timezone = "Asia/Jakarta"
        cs.context_info.timezone_offset = -420
        cs.context_info.locale = "id-ID"
        states = dict(self._values)
        if trigger is not None:
            states[trigger.id] = trigger
        cs.widget_states.widgets.extend(states.values())
        while not self._queue.empty():  # nothing of an earlier run is read as this one's
            self._queue.get_nowait()
        start = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        return await self._until_finished(start)

    async def _until_finished(self, start: float) -> RunResult:
        result = RunResult(seconds=0.0, status=-1)
        deadline = start + self.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f}s")
            try:
                msg = await asyncio.wait_for(self._queue.get(), timeout=left)
            except TimeoutError:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f}s") from None
            if isinstance(msg, BaseException):
                raise msg
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                if msg.script_finished in DONE:
                    result.seconds = time.perf_counter() - start
                    result.status = msg.script_finished
                    return result
                if msg.script_finished == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("the script did not compile")
                # FINISHED_EARLY_FOR_RERUN: st.rerun() or a queued rerun; the next run follows
                result = RunResult(seconds=0.0, status=-1)
            elif kind == "delta":
                self._delta(msg, result)
            elif kind == "navigation":
                self.page_script_hash = msg.navigation.page_script_hash
                for page in msg.navigation.app_pages:
                    self.pages[page.url_pathname] = page.page_script_hash
            elif kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
            elif kind == "page_not_found":
                raise ProtocolError(f"page not found: {msg.page_not_found.page_name!r}")

    def _delta(self, msg: ForwardMsg, result: RunResult) -> None:
        delta = msg.delta
        which = delta.WhichOneof("type")
        if which == "add_block":
            block = delta.add_block
            if block.WhichOneof("type") == "chat_message":
                result.chat_authors.append(block.chat_message.name)
            return
        if which != "new_element":
            return
        element = delta.new_element
        etype = element.WhichOneof("type")
        if etype in WIDGET_TYPES:
            proto = getattr(element, etype)
            wid = getattr(proto, "id", "")
            if wid:
                self.widgets.pop(wid, None)
                self.widgets[wid] = Widget(id=wid, type=etype, key=user_key(wid),
                                           label=getattr(proto, "label", ""),
                                           fragment_id=delta.fragment_id, proto=proto)  # fmt: skip
        elif etype in ("text", "markdown"):
            result.texts.append(getattr(element, etype).body)
        elif etype == "exception":
            result.exceptions.append(f"{element.exception.type}: {element.exception.message}")
