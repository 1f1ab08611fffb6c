"""Links of the BotCity Maestro provider."""
