"""The only functions that change state. Routes, jobs and channel handlers call these.

Each takes a `Store` (one unit of work) first; none commits, sends or schedules anything
itself: they write rows and record events, and the caller's unit of work commits and then
dispatches the events. Adapters get the unit of work's type here as `Store`: they reach the
store only as the parameter these functions take, never through `helpdesk.store` itself.
"""

from helpdesk.domain import Actor
from helpdesk.inbound import IngestResult
from helpdesk.services import bots, conversations, knowledge, saved_views
from helpdesk.services.customers import add_identity, add_participant, resolve_customer
from helpdesk.services.directory import (
    TokenUse,
    add_member,
    auth_epoch,
    authenticate_token,
    create_category,
    create_team,
    create_token,
    create_user,
    revoke_token,
    touch_token,
    update_preferences,
    use_token,
)
from helpdesk.services.ingest import ingest
from helpdesk.services.macros import create_macro, render_macro
from helpdesk.services.messages import Posted, add_note, reply
from helpdesk.services.notifications import mark_read, notify
from helpdesk.services.quarantine import quarantine, resolve_quarantine
from helpdesk.services.sessions import (
    SecondFactor,
    SessionInfo,
    WebSession,
    complete_second_factor,
    session_for,
    sign_in,
    sign_out,
    sign_out_everywhere,
    touch_session,
)
from helpdesk.services.sla_due import set_sla_next_due
from helpdesk.services.split import SplitResult, split_message
from helpdesk.services.tickets import (
    UNSET,
    TicketChanges,
    create_ticket,
    merge_tickets,
    record_decision,
    set_message_language,
    update_ticket,
)
from helpdesk.services.totp import (
    check_totp,
    confirm_totp,
    disable_totp,
    start_totp,
    totp_enabled,
)
from helpdesk.store import Store

__all__ = [
    "UNSET",
    "Actor",
    "IngestResult",
    "Posted",
    "SecondFactor",
    "SessionInfo",
    "SplitResult",
    "Store",
    "TicketChanges",
    "TokenUse",
    "WebSession",
    "add_identity",
    "add_member",
    "add_note",
    "add_participant",
    "auth_epoch",
    "authenticate_token",
    "bots",
    "check_totp",
    "complete_second_factor",
    "confirm_totp",
    "conversations",
    "create_category",
    "create_macro",
    "create_team",
    "create_ticket",
    "create_token",
    "create_user",
    "disable_totp",
    "ingest",
    "knowledge",
    "mark_read",
    "merge_tickets",
    "notify",
    "quarantine",
    "record_decision",
    "render_macro",
    "reply",
    "resolve_customer",
    "resolve_quarantine",
    "revoke_token",
    "saved_views",
    "session_for",
    "set_message_language",
    "set_sla_next_due",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
    "split_message",
    "start_totp",
    "totp_enabled",
    "touch_session",
    "touch_token",
    "update_preferences",
    "update_ticket",
    "use_token",
]
