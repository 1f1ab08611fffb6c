"""Operators of the BotCity Maestro provider."""
