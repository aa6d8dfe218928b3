"""How the console names what a call or chat was about: the NLU's intents as topics staff and the province read."""

from __future__ import annotations

TOPICS: dict[str, str] = {
    "ask_policy_overview": "政策总体",
    "ask_guidance_center": "纠纷应对指导中心",
    "ask_expert_program": "专家顾问制度",
    "ask_warning": "预警信息",
    "ask_exhibition": "展会服务",
    "ask_mediation_arbitration": "调解仲裁",
    "ask_insurance": "知识产权保险",
    "ask_info_platform": "信息服务平台",
    "ask_typical_cases": "典型案例",
    "ask_training": "培训",
    "ask_service_institution": "服务机构",
    "ask_hotline": "服务热线",
    "ask_international_cooperation": "国际交流合作",
    "ask_risk_screening": "风险排查",
    "ask_337": "337调查",
    "ask_overseas_lawsuit": "海外诉讼",
    "ask_marketplace": "电商平台投诉/冻结",
    "ask_fair_dispute": "展会纠纷",
    "ask_customs_seizure": "海关扣货",
    "ask_trademark_squatting": "商标抢注",
    "ask_geographical_indication": "地理标志",
    "request_human": "要求人工",
    "report_dispute": "正在发生的纠纷",
    "ask_ticket_status": "工单进度",
    "out_of_scope": "范围外问题",
    "nlu_fallback": "未能识别",
}

#: Intents that are conversation mechanics, not topics: they never count as a call's subject.
NOT_TOPICS = frozenset({"greet", "goodbye", "thank", "help", "cancel", "ask_item", "rate", "EXTERNAL_desk_message"})


def topic_label(intent: str | None) -> str:
    if not intent:
        return "—"
    return TOPICS.get(intent, intent)
