"""The ``roadsense`` command."""
