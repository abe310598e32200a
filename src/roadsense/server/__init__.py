"""The city ingest service and the dashboard API."""
