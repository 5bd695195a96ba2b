"""CSAT surveys: sent through the customer's own channel when a ticket is solved, answered on a
page (email, web form) or with buttons (Telegram). The rules live in `helpdesk.services.surveys`;
this package composes, sends, serves the page and handles button presses."""
