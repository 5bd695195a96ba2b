"""The Telegram chat channel: webhook and polling in, Bot API out.

python-telegram-bot 22 warns (PTBDeprecationWarning) whenever a time period such as
`RetryAfter.retry_after` is read as an int, and it reads it itself while building the exception,
so a 429 would log a warning per rate limit (and fail a test run that treats warnings as
errors). Opting in to the future behaviour (`timedelta` values) is the documented way out; an
operator who sets the variable explicitly keeps their choice, and our code accepts both types.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
