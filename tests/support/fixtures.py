"""Session fixtures that start real loopback servers (Dovecot, SMTP sink, Bot API stand-in, Chromium)."""
