"""The Telegram chat channel: webhook and polling in, Bot API out.

python-telegram-bot 22 is moving time periods (such as `RetryAfter.retry_after`) from int to
`timedelta`; its documented opt-in is the `PTB_TIMEDELTA` environment variable, which belongs to
the deployment, not to an import. Our code reads both forms, so it works whichever the operator
chose; without the opt-in PTB emits a DeprecationWarning, which Python ignores by default.
"""
