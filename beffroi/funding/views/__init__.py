"""Pages of the Financements module, by audience: the mechanism catalogue anyone may read (``public``), the
financing plans and the commune's zonages for élus and agents (``agent``)."""
