"""Writes of citizen participation, by sub-domain: consultations (`consultations`), proposals (`proposals`) and
public meetings (`meetings`). Every write by the mairie is recorded in the audit log; answers never are.
`from beffroi.participation import services; services.consultation_answer(...)` reaches each one from here.
"""

from beffroi.participation.services.consultations import (
    consultation_answer,
    consultation_create,
    consultation_decide,
    consultation_publish,
    consultation_update,
    option_add,
    paper_entry_adopt,
    paper_entry_record,
    question_add,
    question_delete,
    respondent_verify_at_counter,
)
from beffroi.participation.services.meetings import (
    meeting_create,
    meeting_document_add,
    meeting_minutes_publish,
    meeting_update,
    registration_cancel,
    registration_create,
)
from beffroi.participation.services.panels import (
    panel_create,
    panel_draw,
    panelist_replace,
    volunteer_add,
    volunteers_import,
)
from beffroi.participation.services.proposals import (
    comment_add,
    comment_hide,
    comment_report,
    proposal_answer,
    proposal_merge,
    proposal_rules_set,
    proposal_submit,
    support_add,
    support_withdraw,
)

__all__ = [
    "comment_add",
    "comment_hide",
    "comment_report",
    "consultation_answer",
    "consultation_create",
    "consultation_decide",
    "consultation_publish",
    "consultation_update",
    "meeting_create",
    "meeting_document_add",
    "meeting_minutes_publish",
    "meeting_update",
    "option_add",
    "panel_create",
    "panel_draw",
    "panelist_replace",
    "paper_entry_adopt",
    "paper_entry_record",
    "proposal_answer",
    "proposal_merge",
    "proposal_rules_set",
    "proposal_submit",
    "question_add",
    "question_delete",
    "registration_cancel",
    "registration_create",
    "respondent_verify_at_counter",
    "support_add",
    "support_withdraw",
    "volunteer_add",
    "volunteers_import",
]
