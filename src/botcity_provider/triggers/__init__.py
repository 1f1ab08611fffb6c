"""Triggers of the BotCity Maestro provider."""
