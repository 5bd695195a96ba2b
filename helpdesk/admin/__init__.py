"""The admin pages: what today needs the CLI or a JSON file (teams, people, categories, SLA,
routing, forms, mailboxes, bots, templates), changed through the same services and validation
as the API, each change audited. Built on the inbox's sessions, CSRF and templates."""
