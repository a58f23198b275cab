"""Records produced by the synthetic county generator.

These shapes are the contract with the Django loader: field names and meanings must not
change (fields may be added at the end with defaults). Money is integer fen; datetimes are
naive local time in Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

ROLES: tuple[str, ...] = ("officer", "grid_worker", "investigator", "command_room", "leader", "admin")
IDENTIFIER_KINDS: tuple[str, ...] = ("bank_account", "phone", "wechat", "qq", "url", "app", "platform")


@dataclass(frozen=True, slots=True)
class CommunityRecord:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class GridRecord:
    code: str
    name: str
    community_code: str
    officer_username: str
    worker_usernames: tuple[str, ...]
    population: int


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    full_name: str
    role: str
    grid_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HouseholdRecord:
    code: str
    address: str
    grid_code: str


@dataclass(frozen=True, slots=True)
class ResidentRecord:
    id: int
    name: str
    id_number: str
    phone: str
    address: str
    household_code: str
    grid_code: str
    birth_date: date
    sex: str
    occupation: str


@dataclass(frozen=True, slots=True)
class TransferRecord:
    at: datetime
    amount_fen: int
    means: str
    to_account: str


@dataclass(frozen=True, slots=True)
class IdentifierRecord:
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One reported case.

    ``loss_fen`` is the loss as the narrative states it (for "200000余元" that is 200000 yuan),
    which is what a perfect reader of the text would extract. ``transfers`` are the true
    payments; their sum differs from ``loss_fen`` when ``loss_matches_transfers`` is False
    (an officer's arithmetic slip, or an approximate statement). ``identifiers`` is everything
    the case file knows; ``narrative_identifiers`` is the subset written verbatim in the text.
    """

    case_no: str
    reported_at: datetime
    occurred_at: datetime
    grid_code: str
    victim_resident_id: int
    category: str
    lure: str | None
    channel: str
    narrative: str
    loss_fen: int
    transfers: tuple[TransferRecord, ...]
    identifiers: tuple[IdentifierRecord, ...]
    solved: bool
    recovered_fen: int
    victim_alias: str = ""
    loss_text: str = ""
    loss_is_approximate: bool = False
    loss_matches_transfers: bool = True
    transfers_listed_in_narrative: bool = True
    narrative_identifiers: tuple[IdentifierRecord, ...] = field(default_factory=tuple)

    @property
    def transfers_total_fen(self) -> int:
        return sum(t.amount_fen for t in self.transfers)


@dataclass(frozen=True, slots=True)
class ClueRecord:
    source: str
    source_id: str
    received_at: datetime
    target_name: str
    target_phone: str
    target_id_number: str
    target_address: str
    kind: str
    fraud_identifier: str
    suspected_category: str
    amount_fen: int | None
    true_resident_id: int | None
    duplicate_of: str | None = None
    has_typo: bool = False
    # Set on a clue about a resident who went on to be cheated: that case's number.
    case_no: str | None = None


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One dissuasion action (``fanzha.clues.models.DissuasionAction``): ``kind`` is sms, call,
    visit or wechat_group; ``reached`` is None when the action cannot tell (an SMS, a group
    notice)."""

    at: datetime
    kind: str
    reached: bool | None
    by_username: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ClueHandlingRecord:
    """What the station did with one clue dispatched to an officer.

    ``outcome`` is stopped, cheated, unreachable or false_alarm, or "" for a clue still open
    (then ``closed_at`` is None). ``grade`` and ``deadline`` are what the generator expects
    intake to give the clue (``fanzha/data/clues/grading.json``); the first contact was late
    when it came after ``deadline``. An unreachable clue went to the command room
    (``escalated_at``), which closed it (``closed_by_username``). ``case_no`` links a cheated
    clue to its case; ``grid_code`` is the grid it was dispatched to.
    """

    source: str
    source_id: str
    actions: tuple[ActionRecord, ...]
    outcome: str
    closed_at: datetime | None
    grade: str = ""
    deadline: datetime | None = None
    escalated_at: datetime | None = None
    case_no: str | None = None
    closed_by_username: str = ""
    grid_code: str = ""

    @property
    def first_contact_at(self) -> datetime | None:
        return min((a.at for a in self.actions), default=None)

    @property
    def in_time(self) -> bool | None:
        first = self.first_contact_at
        if first is None or self.deadline is None:
            return None
        return first <= self.deadline


@dataclass(frozen=True, slots=True)
class RegistrationRecord:
    day: date
    resident_id: int
    grid_code: str


@dataclass(frozen=True, slots=True)
class OutreachEventRecord:
    day: date
    grid_code: str
    venue_type: str
    method: str
    audience: int
    categories: tuple[str, ...]
    title: str


@dataclass(frozen=True, slots=True)
class MonthlyCrimeTotalRecord:
    month: date
    criminal_cases: int
    telecom_fraud_cases: int = 0


@dataclass(frozen=True, slots=True)
class ReminderCampaignRecord:
    """One warning-reminder campaign the command room sent through the SMS gateway.

    The audience is ``category``'s risk segment (``age_bands``, ``sex``; empty means all) in
    ``grid_codes`` on ``day``; ``recipients`` holds every member of it as (resident id, status)
    with the statuses of :mod:`fanzha.domain.reminder_audience` (delivered, failed, held_out,
    opted_out)."""

    day: date
    category: str
    grid_codes: tuple[str, ...]
    age_bands: tuple[str, ...]
    sex: str
    text: str
    wechat_text: str
    created_by_username: str
    holdout_share: float
    recipients: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class ReminderOptOutRecord:
    """A resident's number that asked for no more reminders (退订), from ``day`` on."""

    phone: str
    day: date
