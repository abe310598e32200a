"""Decoding: what the vehicle's sensors say, as roadsense records.

CAN frames (live or logged) pass framing checks (:mod:`.framing`), DBC decoding
(:mod:`.signals`, the DBC in :mod:`.dbc`) and the Mobileye adapter (:mod:`.mobileye`,
:mod:`.warnings_700`), or with ``EdgeConfig.engine`` the software warning engine
(:mod:`.engine_feed`); NMEA (:mod:`.nmea`) fills the fix buffer (:mod:`.fixes`); the IMU
(:mod:`.imu`) gives harsh manoeuvres and potholes. :class:`~.decoder.EdgeDecoder` wires them
and runs the enrichment stages (:mod:`.pipeline`); warning episodes become events in
:mod:`.event_building`, the unit's health status in :mod:`.device_health`, bad input is
counted in :mod:`.counters`. Configuration: :mod:`.config`.

May import ``roadsense.schema`` and :mod:`roadsense.edge.adas` (the warning engine and its
episodes); never :mod:`roadsense.edge.transport`: records leave decoding as values, and what
becomes of them is the runner's business.
"""
