"""Bots that answer first and hand tickets over to people: the bot-first setting per channel,
the handover endpoint, and (in `faq`) the built-in FAQ bot."""
