# app/mcp/connector.py
from typing import Dict, Any, List
import asyncio
import websockets
import json
from app.db.models import Permission

class MCPConnector:
    def __init__(self, host: str = "localhost", port: int = 8765):
        self.host = host
        self.port = port
        self.connection = None
        self.active_listeners = {}
    
    async def connect(self):
        """Establish connection to the MCP service"""
        self.connection = await websockets.connect(f"ws://{self.host}:{self.port}")
        return self.connection
    
    async def execute(self, command: Dict[str, Any], user_id: str) -> Dict[str, Any]:
        """Execute a command through MCP"""
        # Check permissions
        has_permission = await self.check_permission(
            user_id=user_id,
            application=command["target"],
            action=command["action"]
        )
        
        if not has_permission:
            return {
                "success": False,
                "error": "Permission denied",
                "requires_permission": True
            }
        
        # Send command
        await self.connection.send(json.dumps({
            "type": "command",
            "data": command
        }))
        
        # Get response
        response = await self.connection.recv()
        return json.loads(response)
    
    async def register_listener(self, activity_type: str, callback):
        """Register a listener for specific activity types"""
        listener_id = f"{activity_type}_{id(callback)}"
        
        await self.connection.send(json.dumps({
            "type": "register_listener",
            "data": {"activity_type": activity_type}
        }))
        
        self.active_listeners[listener_id] = callback
        
        # Start listener loop
        asyncio.create_task(self._listener_loop(listener_id, activity_type))
        
        return listener_id
    
    async def _listener_loop(self, listener_id: str, activity_type: str):
        """Background task for handling activity events"""
        while listener_id in self.active_listeners:
            try:
                message = await self.connection.recv()
                data = json.loads(message)
                
                if data["type"] == "activity" and data["data"]["activity_type"] == activity_type:
                    callback = self.active_listeners[listener_id]
                    await callback(data["data"])
            except Exception as e:
                print(f"Listener error: {e}")
                await asyncio.sleep(1)
