"""The supervisors' pages: the live SLA board, reports over a period and the escalation feed.

It composes the SLA engine's read models with the inbox's pages (session, CSRF, layout, i18n),
so it is the one package allowed to import both."""
