"""What the WeChat worker itself says, in both languages. Answers come from Rasa; these are the channel's words: the
greeting with the privacy notice on follow, waiting, what it cannot read, the template messages' fields."""

from __future__ import annotations

from knowledge import Localized

WELCOME = Localized(
    "您好！欢迎关注海外知识产权纠纷应对咨询服务（公益）。我依据山西省《关于加强海外知识产权纠纷应对机制建设的实施意见》"
    "为外向型企业解答海外知识产权纠纷问题：337调查、海外诉讼、跨境电商投诉和账户冻结、展会维权、海关扣货、商标抢注、"
    "知识产权保险、调解仲裁等，每个回答都注明依据；正在发生的纠纷可以转专家顾问。\n\n"
    "直接发送文字或语音提问，也可以用下方菜单：问政策、找专家、我的工单、订阅预警。\n"
    "隐私说明：您发送的消息保存在本服务的服务器上，只用于答复您的咨询；转专家时，您提供的公司名称、联系方式和情况说明"
    "只提供给承办专家和服务台工作人员；个人信息在案件结束后保存 {days} 天。请不要发送与咨询无关的个人敏感信息。"
    "如需查询或删除您的记录，请联系服务热线。取消关注后，我们不再向您推送预警。",
    "Welcome to the overseas IP dispute helpdesk, a free public service of Shanxi Province. I answer exporters' "
    "questions on Section 337 investigations, suits abroad, marketplace complaints, trade-fair disputes, customs "
    "seizures, trademark squatting, IP insurance, mediation and arbitration, naming the source of every answer; for "
    "a dispute that is happening now, I bring in an expert.\n\n"
    "Send your question as text or voice, or use the menu below.\n"
    "Privacy: your messages are kept on this service's servers and used only to answer you; when an expert is "
    "brought in, your company, contact and description are shown only to that expert and the helpdesk staff; "
    "personal data is kept for {days} days after a case ends. To see or delete your records, call the hotline. "
    "Once you unfollow, no more warnings are pushed to you.",
)
RECEIVED = Localized(
    "已收到您的问题，系统正忙，我们会尽快答复。", "We have received your question and will answer it shortly."
)
UNANSWERED = Localized(
    "抱歉，这条消息暂时没能得到答复。请换个说法再试，或发送“找专家”。",
    "Sorry, this message got no answer. Please try rephrasing it, or send “expert”.",
)
NOT_TEXT = Localized(
    "我目前只能阅读文字和语音消息（语音需公众号开启语音识别）。请用文字描述您的问题；材料可在转专家后交给承办专家。",
    "I can only read text and voice messages. Please describe your question in words; papers can be handed to the "
    "expert once a ticket is open.",
)
CHOOSE = Localized("回复数字选择：", "Reply with a number to choose:")
OPEN_SOURCE = Localized("查看原文：", "Read the source: ")
MORE = Localized("详细说明：", "More: ")

# Template messages (outside the 48-hour window): the fields the account's templates are expected to have.
TEMPLATE_DESK_FIRST = Localized("您的咨询工单有新消息", "News on your consultation ticket")
TEMPLATE_WARNING_FIRST = Localized("新的海外知识产权风险预警", "A new overseas IP risk warning")
TEMPLATE_REMARK = Localized("请在公众号中发送任意消息查看全文。", "Send any message to the account to read it in full.")
