"""The normalised shape every channel turns its raw input into (DESIGN.md section 8).

The types live in the core (`helpdesk.inbound`), which owns its vocabulary; this module is the
adapters' stable import path for them.
"""

from helpdesk.inbound import (
    Attachment,
    Bounce,
    FailedRecipient,
    Identity,
    InboundMessage,
    IngestResult,
    Machine,
)

__all__ = [
    "Attachment",
    "Bounce",
    "FailedRecipient",
    "Identity",
    "InboundMessage",
    "IngestResult",
    "Machine",
]
