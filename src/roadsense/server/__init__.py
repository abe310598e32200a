"""The city ingest service and the dashboard's read API (FastAPI).

Uploads, sign-in and the admin API; every read route goes through one
:class:`~roadsense.server.scope.FleetScope`. May import ``schema``, ``store``, ``accounts``,
``roads``, ``analytics`` and ``city``; never the edge, the simulator or the CLI.
"""
