"""An AG-UI server made with PyPI's `ag-ui-protocol` (its pydantic events and EventEncoder)
behind FastAPI, for tests/{js,browser}/agui-fastapi.test.js: a third-party encoder's stream,
with the camelCase aliases, chunks, reasoning and JSON Patch as that package writes them.

Run: target/agui-venv/bin/python tests/agui-fastapi/app.py  (prints `listening on <port>`).
Binds 127.0.0.1 on a free port; exits when its stdin closes (the test ends).
"""

import json
import socket
import sys
import threading

import uvicorn
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import StreamingResponse

from ag_ui.core import (
    EventType,
    RunAgentInput,
    RunFinishedEvent,
    RunStartedEvent,
    StateDeltaEvent,
    StateSnapshotEvent,
    StepFinishedEvent,
    StepStartedEvent,
    ReasoningMessageContentEvent,
    ReasoningMessageEndEvent,
    ReasoningMessageStartEvent,
    ReasoningStartEvent,
    ReasoningEndEvent,
    TextMessageChunkEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
    ToolCallArgsEvent,
    ToolCallEndEvent,
    ToolCallResultEvent,
    ToolCallStartEvent,
)
from ag_ui.encoder import EventEncoder

app = FastAPI()
# tests/browser/agui-fastapi.test.js POSTs from a page the reference server serves (another
# port): the browser asks first, as it would of any AG-UI backend on another origin.
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["POST"], allow_headers=["*"])


def run_events(run: RunAgentInput):
    question = next((m.content for m in reversed(run.messages) if m.role == "user"), "")
    yield RunStartedEvent(type=EventType.RUN_STARTED, thread_id=run.thread_id, run_id=run.run_id)
    yield StateSnapshotEvent(type=EventType.STATE_SNAPSHOT, snapshot={"question": question, "sources": [], "done": False})
    yield StepStartedEvent(type=EventType.STEP_STARTED, step_name="think")
    yield ReasoningStartEvent(type=EventType.REASONING_START, message_id="r0")
    yield ReasoningMessageStartEvent(type=EventType.REASONING_MESSAGE_START, message_id="r1", role="reasoning")
    for part in ["The user asks ", "about ", "the weather."]:
        yield ReasoningMessageContentEvent(type=EventType.REASONING_MESSAGE_CONTENT, message_id="r1", delta=part)
    yield ReasoningMessageEndEvent(type=EventType.REASONING_MESSAGE_END, message_id="r1")
    yield ReasoningEndEvent(type=EventType.REASONING_END, message_id="r0")
    yield StepFinishedEvent(type=EventType.STEP_FINISHED, step_name="think")
    yield StepStartedEvent(type=EventType.STEP_STARTED, step_name="search")
    yield TextMessageStartEvent(type=EventType.TEXT_MESSAGE_START, message_id="a1", role="assistant")
    yield TextMessageContentEvent(type=EventType.TEXT_MESSAGE_CONTENT, message_id="a1", delta="Let me check.")
    yield TextMessageEndEvent(type=EventType.TEXT_MESSAGE_END, message_id="a1")
    yield ToolCallStartEvent(type=EventType.TOOL_CALL_START, tool_call_id="tc1", tool_call_name="get_weather", parent_message_id="a1")
    args = json.dumps({"city": "Paris", "units": "metric", "days": [1, 2, 3]})
    for i in range(0, len(args), 7):
        yield ToolCallArgsEvent(type=EventType.TOOL_CALL_ARGS, tool_call_id="tc1", delta=args[i : i + 7])
    yield ToolCallEndEvent(type=EventType.TOOL_CALL_END, tool_call_id="tc1")
    yield ToolCallResultEvent(type=EventType.TOOL_CALL_RESULT, message_id="t1", tool_call_id="tc1", content="18°C, sunny", role="tool")
    yield StateDeltaEvent(
        type=EventType.STATE_DELTA,
        delta=[
            {"op": "add", "path": "/sources/-", "value": {"name": "weather.example", "ok": True}},
            {"op": "replace", "path": "/done", "value": True},
        ],
    )
    yield StepFinishedEvent(type=EventType.STEP_FINISHED, step_name="search")
    for part in ["It is ", "18°C and ", "sunny in Paris."]:
        yield TextMessageChunkEvent(type=EventType.TEXT_MESSAGE_CHUNK, message_id="a2", role="assistant", delta=part)
    yield RunFinishedEvent(type=EventType.RUN_FINISHED, thread_id=run.thread_id, run_id=run.run_id)


@app.post("/")
async def agent(request: Request):
    run = RunAgentInput.model_validate(await request.json())
    encoder = EventEncoder(accept=request.headers.get("accept"))

    def body():
        for event in run_events(run):
            yield encoder.encode(event)

    return StreamingResponse(body(), media_type=encoder.get_content_type())


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    # The test closes our stdin when it is done: stop then, whatever happens to the test.
    threading.Thread(target=lambda: (sys.stdin.read(), setattr(server, "should_exit", True)), daemon=True).start()
    print(f"listening on {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
