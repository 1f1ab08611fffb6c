"""Apache Airflow provider for BotCity Maestro."""

__version__ = "0.1.0"
