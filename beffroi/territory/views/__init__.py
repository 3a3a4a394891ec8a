"""Pages of the territory app, by audience: the agents' space (``agent``) and the commune's administration
(``config``)."""
