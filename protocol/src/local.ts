// The agent's local endpoint (127.0.0.1:8765) frames. Filled in with the agent.
export {};
