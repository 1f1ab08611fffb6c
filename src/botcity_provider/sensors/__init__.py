"""Sensors of the BotCity Maestro provider."""
