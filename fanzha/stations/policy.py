"""Who may do what: the one permission policy of the workbench.

Every role check asks :func:`can` with an action named here. Views declare their action with
``fanzha.web.permissions.require``, API routers with ``PolicyAuth``, templates read ``can.<app>.<verb>``,
and the navigation and home pages are built from the same table; ``tests/web/test_permission_matrix.py``
walks every URL and API route for every role against it. To change who may do something, edit the
table below and nothing else.

Which rows a permitted user then sees (their own grids for a community officer or grid worker) is
``fanzha.stations.scope``; this module only says which roles are grid-scoped.

Plain Python on purpose: no Django import, so the policy reads and tests on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol, get_args


class Role(StrEnum):
    """A user's post at the station; the value is what the database stores."""

    OFFICER = "officer"
    GRID_WORKER = "grid_worker"
    INVESTIGATOR = "investigator"
    COMMAND_ROOM = "command_room"
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: Mapping[Role, str] = {
    Role.OFFICER: "社区民警",
    Role.GRID_WORKER: "网格员",
    Role.INVESTIGATOR: "打击专业队",
    Role.COMMAND_ROOM: "综合指挥室",
    Role.LEADER: "所领导",
    Role.ADMIN: "系统管理员",
}

# The model field's choices, in the order of the enum (the migrations hold the same list).
ROLE_CHOICES: list[tuple[str, str]] = [(role.value, role.label) for role in Role]

# Roles whose view of residents, clues, cases and rankings is limited to their own grids.
GRID_SCOPED_ROLES = frozenset({Role.OFFICER, Role.GRID_WORKER})
# Roles whose clue list and home queue start with what was dispatched to them personally.
PERSONAL_QUEUE_ROLES = frozenset({Role.OFFICER})

Action = Literal[
    "workbench.home",
    "residents.view",
    "grids.view",
    "records.unmask",
    "audit.view",
    "admin.site",
    "clues.view",
    "clues.handle",
    "clues.command",
    "clues.analyse",
    "cases.view",
    "cases.create",
    "cases.overview",
    "cases.import",
    "funds.trace",
    "ranking.view",
    "ranking.register",
    "ranking.import",
    "ranking.report",
    "analytics.view",
    "outreach.use",
    "reminders.plan",
    "reminders.hand_over",
]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    # What the action lets one do, in Chinese; a refusal reads "无权" + this.
    label: str


EVERYONE = frozenset(Role)
# Everyone who works cases or clues as police; grid workers help the officer but see no case file.
POLICE = EVERYONE - {Role.GRID_WORKER}
# The station-wide roles that run the money trail and see the whole station's cases.
STATION_CASEWORK = frozenset({Role.INVESTIGATOR, Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN})
# The command room and those above it: clue intake and hand matching, registrations, the report.
COMMAND = frozenset({Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN})
# Who plans and records warning reminders for residents (not investigators, not grid workers).
REMINDERS = frozenset({Role.OFFICER, Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN})

POLICY: Mapping[Action, Rule] = {
    # The shell
    "workbench.home": Rule(EVERYONE, "使用工作台"),
    "residents.view": Rule(EVERYONE, "查看居民"),
    "grids.view": Rule(EVERYONE, "查看警格"),
    # Seeing a name, ID number or phone in full (with a reason, audit-logged).
    "records.unmask": Rule(POLICE, "查看完整信息"),
    "audit.view": Rule(frozenset({Role.LEADER, Role.ADMIN}), "查看审计日志"),
    "admin.site": Rule(frozenset({Role.ADMIN}), "进入系统管理"),
    # 预警劝阻: every role works the clues of its grids; intake and hand matching are the command room's.
    "clues.view": Rule(EVERYONE, "查看预警线索"),
    "clues.handle": Rule(EVERYONE, "处置预警线索"),
    "clues.command": Rule(COMMAND, "处理指挥室待办线索"),
    # Batch analysis over the clues one sees; it counts cases, which grid workers do not see.
    "clues.analyse": Rule(POLICE, "批量研判预警线索"),
    # 接处警. Whoever sees cases may take a report and correct it: the leader too (duty leaders take
    # reports, and may import a report sheet, which creates cases in bulk).
    "cases.view": Rule(POLICE, "查看案件"),
    "cases.create": Rule(POLICE, "录入和更正案件"),
    # The station's recent cases, drafts and the year's loss on the home page.
    "cases.overview": Rule(STATION_CASEWORK, "查看全所案件概况"),
    # Report sheets (报案表) become cases: casework, so investigators too. Not ranking.import, which
    # reads the anti-fraud app's registration exports and is the command room's.
    "cases.import": Rule(STATION_CASEWORK, "导入报案表"),
    # 资金流向
    "funds.trace": Rule(STATION_CASEWORK, "使用资金查控"),
    # 反诈APP coverage and the daily ranking
    "ranking.view": Rule(EVERYONE, "查看每日排名"),
    "ranking.register": Rule(EVERYONE, "入户登记反诈APP注册"),
    "ranking.import": Rule(COMMAND, "导入反诈APP注册数据"),
    "ranking.report": Rule(COMMAND, "下载晨会点名通报"),
    "analytics.view": Rule(EVERYONE, "查看案情分析"),
    "outreach.use": Rule(EVERYONE, "使用宣传功能"),
    # 防骗提醒: handing numbers over needs the right to see them in full (records.unmask) as well.
    "reminders.plan": Rule(REMINDERS, "使用防骗提醒"),
    "reminders.hand_over": Rule(REMINDERS & POLICE, "导出或发送完整手机号"),
}
ACTIONS: tuple[Action, ...] = get_args(Action)
_RULES: dict[str, Rule] = {str(action): found for action, found in POLICY.items()}


class Member(Protocol):
    """What the policy reads of a user (Django's ``User`` and ``AnonymousUser`` both fit)."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...


class UnknownAction(LookupError):
    """An action that is not in the policy: a typo must fail loudly, never silently deny or allow."""


def rule(action: str) -> Rule:
    found = _RULES.get(action)
    if found is None:
        raise UnknownAction(action)
    return found


def role_of(user: Member) -> Role | None:
    value = getattr(user, "role", None)
    return Role(value) if isinstance(value, str) and value in ROLE_LABELS else None


def can(user: Member, action: Action) -> bool:
    """May this signed-in user do ``action``? A superuser may do everything (as in Django's
    ``has_perm``); an anonymous user or one without a known role may do nothing."""
    allowed = rule(action).roles
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    role = role_of(user)
    return role is not None and role in allowed


def role_can(role: Role, action: Action) -> bool:
    """The table read for a role rather than a user (tests, the navigation of a role)."""
    return role in rule(action).roles


def is_grid_scoped(user: Member) -> bool:
    """Does this user see only their own grids? Superusers answer for the whole station."""
    return not user.is_superuser and role_of(user) in GRID_SCOPED_ROLES


def works_own_clues(user: Member) -> bool:
    """Do this user's clue lists start with the clues dispatched to them (a community officer)?"""
    return role_of(user) in PERSONAL_QUEUE_ROLES
