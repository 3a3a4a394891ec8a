"""Pages of the Signalements module, by audience: reporting and following a report (``public``, anyone), the
queue, handling, assisted intake and statistics (``agent``, agents and élus), the commune's categories, states
and reply templates (``config``, administrators)."""
