"""The Faust application: topics, agents, tables and web views — wiring only, the logic is elsewhere."""
