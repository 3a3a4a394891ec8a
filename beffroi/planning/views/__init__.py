"""Pages of the Projet de territoire module, by audience: the use-case catalogue anyone may read (``public``),
the roadmap, the council report and the self-assessment for élus and agents (``agent``)."""
