"""Drives the Hearth agent's local endpoint with the design's own MCPConnector (app/mcp/connector.py, copied
exactly as the design shows it). Prints one JSON line per step: {"step": ..., "value": ...}.

Usage: python3 drive.py <port> <path of the agent's local-token file>
"""
import asyncio
import json
import os
import sys

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from app.mcp.connector import MCPConnector  # noqa: E402


class LocalMCPConnector(MCPConnector):
    """The design's connector plus the two things its class leaves to the backend around it: the permission check
    against the backend's own database (Hearth's agent keeps its own policy and asks the user itself, so this says
    yes), and the "local token exchange": the agent's token file, sent as a bearer token when connecting."""

    def __init__(self, port: int, token: str):
        super().__init__(port=port)
        self.token = token

    async def check_permission(self, user_id: str, application: str, action: str) -> bool:
        return True

    async def connect(self):
        self.connection = await websockets.connect(
            f"ws://{self.host}:{self.port}", extra_headers={"Authorization": f"Bearer {self.token}"}
        )
        return self.connection


def emit(step, value):
    print(json.dumps({"step": step, "value": value}), flush=True)


async def main():
    port, token_path = int(sys.argv[1]), sys.argv[2]
    with open(token_path) as file:
        token = file.read().strip()
    mcp = LocalMCPConnector(port, token)
    await mcp.connect()

    emit("system.info", await mcp.execute({"target": "system", "action": "info", "parameters": {}}, user_id="ada"))
    emit("list", await mcp.execute({"target": "filesystem", "action": "list", "parameters": {"path": "~/Documents"}}, user_id="ada"))
    emit("outside", await mcp.execute({"target": "filesystem", "action": "list", "parameters": {"path": "~/.ssh"}}, user_id="ada"))

    # The design's own command example. The agent's policy asks the user first: the client hears that as the
    # design's permission_request frame, and the command's answer follows once the user has answered.
    command = {"target": "browser", "action": "navigate", "parameters": {"url": "https://example.com"}}
    emit("navigate", await mcp.execute(command, user_id="ada"))
    emit("navigate.result", json.loads(await mcp.connection.recv()))

    # The design's own activity event has no currency, so the server would drop it: it is refused, with the reason.
    event = {
        "activity_type": "financial",
        "timestamp": "2025-04-04T12:34:56Z",
        "application": "browser",
        "details": {"site": "amazon.com", "amount": 49.99, "category": "electronics"},
    }
    await mcp.connection.send(json.dumps({"type": "activity", "data": event}))
    emit("design-activity", json.loads(await mcp.connection.recv()))

    received = asyncio.get_running_loop().create_future()

    async def on_financial(activity):
        if not received.done():
            received.set_result(activity)

    await mcp.register_listener("financial", on_financial)
    emit("listening", True)
    emit("financial", await asyncio.wait_for(received, 20))
    # Done: leave at once. Ending the loop would wait out the listener task and the socket's close timeout (10 s).
    os._exit(0)


asyncio.run(main())
