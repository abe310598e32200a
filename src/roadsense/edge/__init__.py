"""What runs in the vehicle: the durable outbox, the uploader and the gateway that owns both."""

from roadsense.edge.backoff import Backoff, RateLimit
from roadsense.edge.gateway import Gateway
from roadsense.edge.outbox import DeadLetter, Outbox, OutboxFullError, OutboxStats, PendingBatch
from roadsense.edge.uploader import Uploader, UploadOutcome, UploadStats

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
