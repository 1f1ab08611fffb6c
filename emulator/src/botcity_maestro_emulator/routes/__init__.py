"""Route handlers, one module per Maestro resource, plus the ``/_emulator/`` admin surface."""
