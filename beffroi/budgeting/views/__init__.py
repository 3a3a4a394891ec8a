"""Pages of the Budget participatif module, by audience: residents (``public``: budgets, ideas, the vote, the
results, the draw, the suivi), downloads of the results (``exports``: pabulib and CSV), agents and élus
(``agent``: instruction, codes, counter, paper ballots, who voted, following and counting the vote), and a
budget's set-up (``config``: settings and envelopes)."""
