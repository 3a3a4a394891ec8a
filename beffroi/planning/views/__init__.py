"""Pages of the Projet de territoire module, by audience: the commune's project (its roadmap as residents read it)
and the use-case catalogue, open to anyone (``public``); the roadmap's editing, the council report and the
self-assessment for élus and agents (``agent``)."""
