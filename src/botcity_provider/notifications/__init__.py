"""Notifiers of the BotCity Maestro provider."""
