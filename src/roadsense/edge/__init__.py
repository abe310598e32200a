"""What runs in the vehicle: the gateway of one taxi, in three rooms and a main loop.

- :mod:`roadsense.edge.adas`: the software warning engine and warning episodes, on object
  lists; imports only ``roadsense.schema``.
- :mod:`roadsense.edge.decoding`: CAN (Mobileye), NMEA and IMU in, records out; may import
  ``roadsense.schema`` and :mod:`roadsense.edge.adas`, never the transport.
- :mod:`roadsense.edge.transport`: the durable outbox, its full-disk policy and self-reports,
  the uploader and its backoff, and the :class:`~roadsense.edge.transport.gateway.Gateway`
  that owns them; may import ``roadsense.schema`` only.
- :mod:`roadsense.edge.runner`: ``roadsense edge run``, decoding into a gateway; the one
  module that joins decoding and transport.

The edge as a whole imports nothing else of ours and no server, geo or dataframe library
(import-linter contracts in ``pyproject.toml``): it runs on a small in-vehicle computer.
"""
