"""What runs in the vehicle: the durable outbox, the uploader and the gateway that owns both."""

from roadsense.edge.backoff import Backoff
from roadsense.edge.gateway import Gateway
from roadsense.edge.outbox import DeadLetter, Outbox, OutboxStats, PendingBatch
from roadsense.edge.uploader import Uploader, UploadOutcome, UploadStats

__all__ = [
    "Backoff",
    "DeadLetter",
    "Gateway",
    "Outbox",
    "OutboxStats",
    "PendingBatch",
    "UploadOutcome",
    "UploadStats",
    "Uploader",
]
