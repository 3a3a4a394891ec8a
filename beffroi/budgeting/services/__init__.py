"""Writes of the participatory budget, by sub-domain: set-up (`budgets`), ideas and their instruction (`ideas`),
the vote (`voting`: codes, verification, ballots), paper ballots (`paper`) and the count (`counting`).

Every write by an agent is recorded in the audit log; ballot contents never are. Reads are in
`beffroi.budgeting.selectors`. `from beffroi.budgeting import services; services.ballot_cast(...)` reaches every
public service from here.
"""

from beffroi.budgeting.services.budgets import (
    budget_create,
    budget_import_pabulib,
    budget_update,
    sub_budget_create,
    sub_budget_delete,
    sub_budget_update,
)
from beffroi.budgeting.services.counting import budget_close_and_count, count_budget
from beffroi.budgeting.services.ideas import (
    idea_assess,
    idea_merge,
    idea_rate_limit_check,
    idea_submit,
    project_update_add,
)
from beffroi.budgeting.services.paper import paper_entry_record
from beffroi.budgeting.services.voting import (
    ballot_cast,
    ballot_cast_with_code,
    voter_verify_at_counter,
    voter_verify_with_code,
    voting_codes_generate,
)

__all__ = [
    "ballot_cast",
    "ballot_cast_with_code",
    "budget_close_and_count",
    "budget_create",
    "budget_import_pabulib",
    "budget_update",
    "count_budget",
    "idea_assess",
    "idea_merge",
    "idea_rate_limit_check",
    "idea_submit",
    "paper_entry_record",
    "project_update_add",
    "sub_budget_create",
    "sub_budget_delete",
    "sub_budget_update",
    "voter_verify_at_counter",
    "voter_verify_with_code",
    "voting_codes_generate",
]
