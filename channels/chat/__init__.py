"""The Telegram chat channel: webhook and polling in, Bot API out."""
