"""SLA engine: business calendars, policies, clocks and escalation ladders."""
