"""Routing: categorise tickets and assign them to teams and agents."""
