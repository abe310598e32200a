"""Transport: getting the vehicle's records to the city's server, whatever the network does.

- :mod:`.outbox`: :class:`Outbox`, the façade the uploader and the runner use, over
  :mod:`.sqlite_queue` (the durable SQLite queue of records and batches),
  :mod:`.disk_policy` (which records give way when the disk is full) and
  :mod:`.outbox_reports` (the outbox's own ``DeviceStatus`` reports);
- :mod:`.uploader`: sends batches, with :mod:`.backoff` (capped exponential backoff with
  full jitter, and a token bucket);
- :mod:`.gateway`: :class:`Gateway`, one outbox and the uploader that empties it.

May import ``roadsense.schema`` only: nothing of decoding or of the warning engine, so a
gateway that only uploads needs neither.
"""

from roadsense.edge.transport.backoff import Backoff, RateLimit
from roadsense.edge.transport.disk_policy import OutboxFullError
from roadsense.edge.transport.gateway import Gateway
from roadsense.edge.transport.outbox import Outbox
from roadsense.edge.transport.sqlite_queue import DeadLetter, OutboxStats, PendingBatch
from roadsense.edge.transport.uploader import Uploader, UploadOutcome, UploadStats

__all__ = [
    "Backoff",
    "DeadLetter",
    "Gateway",
    "Outbox",
    "OutboxFullError",
    "OutboxStats",
    "PendingBatch",
    "RateLimit",
    "UploadOutcome",
    "UploadStats",
    "Uploader",
]
