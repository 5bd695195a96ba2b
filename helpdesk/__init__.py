"""Helpdesk: a self-hosted omnichannel customer-service helpdesk.

The core lives in this package (domain, tables, store, services, events, bus, ports, errors);
`helpdesk.app` and `helpdesk.worker` are the composition roots and are never imported from here.
"""

__version__ = "0.1.0"
