"""Matrix side of alumni-bot: login, sync, event routing, sending, HTTP and lifecycle."""
