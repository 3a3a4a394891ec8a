"""Pages of participation, by audience: `public` (residents), `agent` (agents and élus); `results` shapes a
consultation's results for both."""
