"""The books belong to the accountant role; others may read what their work needs."""

GRANTS = {
    "administrator": ["finance.*"],
    "accountant": [
        "finance.view_*",
        "finance.add_manualjournal",
        "finance.change_manualjournal",
        "finance.add_account",
        "finance.change_account",
        "finance.add_postingrule",
        "finance.change_postingrule",
        "finance.add_fiscalyear",
        "finance.close_period",
        "core.view_outboxevent",
        "core.change_outboxevent",
        "core.view_webhooksubscription",
        "core.view_webhookdelivery",
    ],
    "approver": ["finance.view_manualjournal", "finance.view_journalentry", "finance.view_account"],
}
