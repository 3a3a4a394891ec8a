"""Pages of the Données et capteurs module, by audience: the dashboards and equipment pages anyone may read
(what the commune publishes; everything for agents and élus) (``public``), and the alerts and alert rules of
the staff (``agent``)."""
