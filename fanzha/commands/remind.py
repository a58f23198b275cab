"""``fanzha remind``: warning-reminder campaigns from a station's database.

- ``remind plan``: without ``--category``, the suggested segments (rising categories, their
  riskiest people, the grids they reached) as one JSON object; with ``--category`` and
  ``--grid``, that segment's numbers and the filled SMS and WeChat post;
- ``remind export``: record a campaign for a segment (or take ``--campaign ID``) and write the
  SMS platform's file (``--out`` .xlsx or .csv: full numbers and text), optionally the WeChat
  post (``--wechat-out``); audit-logged with ``--reason``;
- ``remind effect``: reached against comparable residents not reached, one JSON object with
  ``campaigns``, ``reached``, ``ratio``, ``ci_low``, ``ci_high``, ``method`` and more.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fanzha.domain.query_args import optional_day
from fanzha.errors import UserFacingError


def register(subparsers: Any) -> None:
    from fanzha.runtime import add_data_dir_argument

    parser = subparsers.add_parser("remind", help="防骗提醒 / warning-reminder campaigns")
    commands = parser.add_subparsers(dest="remind_command", required=True)

    plan = commands.add_parser("plan", help="建议人群或某一人群的人数与短信 / suggestions, or one segment")
    _audience_arguments(plan, required=False)
    plan.add_argument("--date", help="按某日的数据规划 YYYY-MM-DD / plan as of this day (default today)")
    add_data_dir_argument(plan)
    plan.set_defaults(func=run_plan)

    export = commands.add_parser("export", help="记录并导出提醒 / record a campaign and export its file")
    _audience_arguments(export, required=False)
    export.add_argument("--campaign", type=int, help="导出已记录的活动 / export this recorded campaign")
    export.add_argument("--text", help="自定义短信（须以签名开头、不超过一条短信）/ own SMS text")
    export.add_argument("--out", required=True, help="短信平台文件 .xlsx 或 .csv / the SMS platform's file")
    export.add_argument("--wechat-out", help="微信群消息写入此文件 / write the WeChat post here")
    export.add_argument("--reason", required=True, help="导出事由（记入审计日志）/ reason, audit-logged")
    add_data_dir_argument(export)
    export.set_defaults(func=run_export)

    effect = commands.add_parser("effect", help="提醒效果 / did the reminders work")
    effect.add_argument("--as-of", help="统计截至 YYYY-MM-DD / follow-up up to this day (default today)")
    effect.add_argument("--follow-up-days", type=int, help="随访天数 / days after a campaign that count")
    add_data_dir_argument(effect)
    effect.set_defaults(func=run_effect)


def _audience_arguments(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--category", required=required, help="诈骗类别 / fraud category (taxonomy name)")
    parser.add_argument(
        "--grid", action="append", default=[], help="警格编码，可重复 / grid code, repeatable"
    )
    parser.add_argument("--age-band", action="append", default=[], help="年龄段，如 26-35岁，可重复")
    parser.add_argument("--sex", default="", choices=["", "男", "女"], help="性别 / sex")
    parser.add_argument("--occupation", action="append", default=[], help="职业，可重复 / occupation")
    parser.add_argument("--holdout", type=float, help="随机对照比例 0–0.5 / share held out at random")


def _criteria(args: argparse.Namespace) -> Any:
    from fanzha.domain.reminder_audience import AudienceCriteria
    from fanzha.domain.taxonomy import load_taxonomy

    if args.category not in load_taxonomy().category_names:
        raise UserFacingError(f"未知的诈骗类别：{args.category}", f"unknown category: {args.category}")
    if not args.grid:
        raise UserFacingError("请用 --grid 指定至少一个警格", "name at least one grid with --grid")
    try:
        return AudienceCriteria(
            args.category,
            tuple(sorted(set(args.grid))),
            tuple(args.age_band),
            args.sex,
            tuple(args.occupation),
        )
    except ValueError as exc:
        raise UserFacingError(f"人群条件有误：{exc}", f"bad audience: {exc}") from exc


def _station_user() -> Any:
    """The command line acts station-wide, like the command room (nothing is saved as this user)."""
    from fanzha.stations.models import Role, User

    return User(username="命令行", role=Role.COMMAND_ROOM)


def run_plan(args: argparse.Namespace) -> int:
    as_of = optional_day(args.date, "--date")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from django.utils import timezone

    from fanzha.reminders import planning

    day = as_of or timezone.localdate()
    if not args.category:
        items = planning.suggestions(_station_user(), day)
        print(
            json.dumps(
                {
                    "as_of": day.isoformat(),
                    "suggestions": [s.as_dict() for s in items],
                },
                ensure_ascii=False,
            )
        )
        return 0
    criteria = _criteria(args)
    _check_grids_exist(criteria)
    print(json.dumps(planning.preview(criteria, day, _holdout(args)), ensure_ascii=False))
    return 0


def _holdout(args: argparse.Namespace) -> float | None:
    if args.holdout is None:
        return None
    if not 0 <= args.holdout <= 0.5:
        raise UserFacingError("--holdout 应在 0 到 0.5 之间", "--holdout must be between 0 and 0.5")
    return float(args.holdout)


def _check_grids_exist(criteria: Any) -> None:
    from fanzha.stations.models import Grid

    known = set(Grid.objects.filter(code__in=criteria.grid_codes).values_list("code", flat=True))
    missing = [c for c in criteria.grid_codes if c not in known]
    if missing:
        raise UserFacingError(f"没有这些警格：{'、'.join(missing)}", f"no such grid: {', '.join(missing)}")


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("xlsx", "csv"):
        raise UserFacingError("--out 须以 .xlsx 或 .csv 结尾", "--out must end in .xlsx or .csv")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.reminders import campaigns
    from fanzha.reminders.models import ReminderCampaign
    from fanzha.reminders.planning import ReminderRefused

    try:
        if args.campaign is not None:
            campaign = ReminderCampaign.objects.filter(pk=args.campaign).first()
            if campaign is None:
                raise UserFacingError(
                    f"没有编号为 {args.campaign} 的提醒活动", f"no campaign {args.campaign}"
                )
        else:
            if not args.category:
                raise UserFacingError(
                    "请给出 --category 和 --grid，或用 --campaign 指定已记录的活动",
                    "give --category and --grid, or --campaign",
                )
            criteria = _criteria(args)
            _check_grids_exist(criteria)
            campaign = campaigns.record_campaign(
                None, criteria, sms_text=args.text, holdout_share=_holdout(args)
            )
        result = campaigns.export_campaign(None, campaign.pk, kind, args.reason)
    except ReminderRefused as exc:
        raise UserFacingError(str(exc.args[0]), "refused: see the Chinese message") from exc
    _write(out, result.content)
    if args.wechat_out:
        _write(Path(args.wechat_out).expanduser(), campaign.wechat_text.encode("utf-8"))
    campaign.refresh_from_db()
    print(
        json.dumps(
            {
                "campaign": campaign.pk,
                "description": campaign.description,
                "status": campaign.status,
                "audience": campaign.audience,
                "app_registered": campaign.app_registered,
                "rows": result.rows,
                "recipients": campaigns.status_counts(campaign),
                "file": str(out),
                "wechat_file": args.wechat_out or None,
                "sms": campaign.sms_text,
            },
            ensure_ascii=False,
        )
    )
    return 0


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise UserFacingError(f"无法写入 {path}：{exc.strerror}", f"cannot write {path}: {exc}") from exc


def run_effect(args: argparse.Namespace) -> int:
    as_of = optional_day(args.as_of, "--as-of")
    if args.follow_up_days is not None and not 1 <= args.follow_up_days <= 730:
        raise UserFacingError("--follow-up-days 应在 1 到 730 之间", "--follow-up-days must be 1..730")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.reminders import effect
    from fanzha.reminders.models import ReminderCampaign

    campaigns = effect.handed_over(ReminderCampaign.objects.all()).order_by("day", "pk")
    report = effect.measure(campaigns, as_of=as_of, follow_up_days=args.follow_up_days)
    print(json.dumps(report.contract(), ensure_ascii=False))
    return 0
