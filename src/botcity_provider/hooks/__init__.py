"""Hooks of the BotCity Maestro provider."""
