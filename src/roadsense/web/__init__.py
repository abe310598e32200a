"""The dashboard page and its static assets (served by the server)."""
