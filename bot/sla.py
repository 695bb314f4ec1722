"""SLA due times from the support programme's Standard Support SLA table (urgency = priority)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from retrieval.facts import SupportFacts

PRIORITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class SlaTerms:
    priority: str
    first_response: timedelta
    resolution: timedelta
    # as the support programme words them, for replies ("15 minutes", "4 hours")
    first_response_text: str
    resolution_text: str

    def due_times(self, created: datetime) -> tuple[datetime, datetime]:
        """First-response and resolution deadlines; the table counts clock time."""
        return created + self.first_response, created + self.resolution


def sla_terms(facts: SupportFacts, priority: str) -> SlaTerms:
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r}; expected one of {PRIORITIES}")
    row = facts.get(f"sla.{priority}")
    return SlaTerms(
        priority=priority,
        first_response=timedelta(minutes=row["initial_response_minutes"]),
        resolution=timedelta(minutes=row["resolution_minutes"]),
        first_response_text=row["initial_response"],
        resolution_text=row["resolution"],
    )


def raise_one_level(priority: str) -> str:
    """One level more urgent, never above critical."""
    index = PRIORITIES.index(priority)
    return PRIORITIES[max(index - 1, 0)]
