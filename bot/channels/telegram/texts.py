"""What the Telegram worker itself says, in both languages. Answers come from Rasa; these are the words of the
channel: the introduction and privacy notice, waiting, files, the language choice, the expert's side."""

from __future__ import annotations

from knowledge import Localized

START = Localized(
    "您好！我是海外知识产权纠纷应对咨询助手（公益服务），依据山西省《关于加强海外知识产权纠纷应对机制建设的实施意见》"
    "为外向型企业解答海外知识产权纠纷问题：337调查、海外诉讼、跨境电商投诉和账户冻结、展会维权、海关扣货、商标抢注、"
    "知识产权保险、调解仲裁等。每个回答都注明依据；遇到正在发生的纠纷，可以转专家顾问。\n\n"
    "直接发送您的问题即可。常用命令：\n/expert 找专家顾问\n/subscribe 订阅预警（如 /subscribe 美国 机械 专利）\n"
    "/unsubscribe 退订预警\n/cancel 取消当前操作\n/lang 切换语言（中文/English）\n/help 使用帮助\n"
    "要去境外参展，发送“登记参展”即可获得展前清单和提醒。",
    "Hello! I am the overseas IP dispute helpdesk, a free public service of Shanxi Province under its implementation "
    "opinions on responding to overseas IP disputes. I answer exporters' questions on Section 337 investigations, "
    "suits abroad, marketplace complaints and frozen accounts, trade-fair disputes, customs seizures, trademark "
    "squatting, IP insurance, mediation and arbitration, and name the source of every answer. For a dispute that "
    "is happening now, I bring in an expert advisor.\n\n"
    "Just send your question. Commands:\n/expert ask for an expert\n/subscribe warnings for your markets (e.g. "
    "/subscribe US machinery patent)\n/unsubscribe stop warnings\n/cancel stop what is under way\n"
    "/lang choose the language (中文/English)\n/help how to use this bot\n"
    "Going to a trade fair abroad? Send “register a trade fair” for the pre-show checklist and reminders.",
)
PRIVACY = Localized(
    "隐私说明：您在这里发送的消息和文件保存在本服务的服务器上，只用于答复您的咨询。转专家时，您提供的公司名称、联系方式、"
    "情况说明和文件只提供给承办专家和服务台工作人员。机器人未能答好的问题会去掉联系方式、不记提问人，留给工作人员改进答复。"
    "请不要发送与咨询无关的个人敏感信息。如需查询或删除您的记录，请联系服务热线。",
    "Privacy: the messages and files you send here are kept on this service's servers and used only to answer your "
    "questions. When an expert is brought in, your company name, contact, description and files are shown only to "
    "that expert and the helpdesk staff. Questions the bot could not answer well are kept without contact details or "
    "who asked, for the staff to improve the answers. Please do not send personal data the question does not need. To see or "
    "delete your records, call the helpdesk hotline.",
)
RECEIVED = Localized(
    "已收到您的问题，我们会尽快答复。",
    "We have received your question and will answer it as soon as possible.",
)
UNANSWERED = Localized(
    "抱歉，这条消息暂时没能得到答复。请换个说法再试，或发送 /expert 找专家顾问。",
    "Sorry, this message got no answer. Please try rephrasing it, or send /expert to ask for an expert.",
)
UNKNOWN_COMMAND = Localized(
    "没有这个命令。可用的命令：/start /help /expert /subscribe /unsubscribe /cancel /lang",
    "There is no such command. Commands: /start /help /expert /subscribe /unsubscribe /cancel /lang",
)
NOT_TEXT = Localized(
    "我目前只能阅读文字消息。请用文字描述您的问题；如需提交起诉状、投诉通知等材料，请以“文件”方式发送（PDF、Word 等）。",
    "I can only read text messages. Please describe your question in words; to hand in a complaint, a notice or "
    "other papers, send them as a file (PDF, Word …).",
)
BUTTON_EXPIRED = Localized(
    "这个按钮已失效，请直接发送您的问题。", "This button has expired; please send your question."
)
CHOOSE_LANGUAGE = Localized("请选择语言 / Choose a language:", "Choose a language / 请选择语言:")
LANGUAGE_SET = Localized(
    "已切换为中文。按钮和命令的回复将使用中文；您用哪种语言提问，回答就用哪种语言。",
    "Language set to English. Buttons and commands will answer in English; a question is answered in the language "
    "it is asked in.",
)

FILE_TOO_LARGE = Localized(
    "文件太大（超过 {limit} MB），无法接收。请压缩后再发送，或通过服务热线提交。",
    "The file is too large (over {limit} MB) to receive. Please compress it, or hand it in through the hotline.",
)
FILE_ON_TICKET = Localized(
    "已收到文件《{name}》，已附在工单 {ticket} 上，专家会看到。",
    "Received “{name}” and attached it to ticket {ticket}; the expert will see it.",
)
FILE_FOR_FORM = Localized(
    "已收到文件《{name}》，提交工单后会附在工单上供专家查看。请继续回答上面的问题。",
    "Received “{name}”; it will be attached to your ticket for the expert once the ticket is submitted. Please go "
    "on with the question above.",
)
FILE_KEPT = Localized(
    "已收到文件《{name}》并为您保存。如需专家查看，请发送 /expert 转专家，文件会附在工单上。",
    "Received “{name}” and kept it for you. For an expert to look at it, send /expert: the file will be attached to "
    "the ticket.",
)

# The expert's side: experts work in the language of their notices, so both are shown on the buttons.
ACCEPT_BUTTON = "✅ 受理 Accept"
DECLINE_BUTTON = "↩️ 婉拒 Decline"
NOTICE_DETAILS = Localized(
    "企业：{company}\n联系人：{contact_name}\n国家/地区：{country}\n知识产权类型：{ip_type}\n纠纷类型：{dispute_type}\n"
    "行业：{industry}\n企业的期限：{deadline}\n情况：{description}",
    "Company: {company}\nContact person: {contact_name}\nCountry/region: {country}\nIP type: {ip_type}\n"
    "Dispute type: {dispute_type}\nIndustry: {industry}\nEnterprise's deadline: {deadline}\nWhat happened: {description}",
)
NOTICE_HOW_TO = Localized(
    "受理后，请直接“回复”（Reply）本条消息作答，答复会转给企业。",
    "Once you accept, answer by replying (Reply) to this message; your answer goes to the enterprise.",
)
ACCEPTED = Localized(
    "您已受理工单 {ticket}。请直接“回复”（Reply）本条消息作答，答复会转给企业。",
    "You have accepted ticket {ticket}. Answer by replying (Reply) to this message; your answer goes to the enterprise.",
)
ACCEPTED_NOTE = Localized("已受理", "Accepted")
DECLINED_NOTE = Localized("已婉拒", "Declined")
ACCEPTED_FILES = Localized("企业提交的文件（{count} 个）：", "Files the enterprise handed in ({count}):")
DECLINED = Localized(
    "您已婉拒工单 {ticket}，案件会转给其他专家。",
    "You have declined ticket {ticket}; it goes to another expert.",
)
DECLINE_REASON = "专家通过 Telegram 婉拒"
ANSWERED = Localized(
    "答复已提交，将转给企业（工单 {ticket}）。如需补充，可再次回复。",
    "Your answer is in and goes to the enterprise (ticket {ticket}). Reply again to add to it.",
)
NOT_YOUR_CASE = Localized(
    "无法处理工单 {ticket}：{reason}",
    "Ticket {ticket} could not be handled: {reason}",
)
EXPERT_RECEIVED = Localized(
    "已收到，系统恢复后会立即处理。",
    "Received; it will be handled as soon as the system is back.",
)
