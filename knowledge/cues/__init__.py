"""What a message says beyond its topic, read from its words: a request that must be refused, the signs of a live
dispute, a wish to talk to a person, the contact details and company it already gives, whether it is small talk,
noise or another office's matter, and whether it leans on the conversation's topic.

The NLU's intent says what a message is about; these cues say what the enterprise needs from the reply, and they
are read from the words themselves because the stakes are asymmetric: one harmful request answered with a FAQ, or
one case number with a deadline answered without an expert, costs far more than the NLU's average error. They are
deliberately narrow — concrete signs (a docket number, "20天内答辩", "帮我伪造"), not topics — so that a question
*about* TROs or counterfeits is still answered. The NLU pipeline's guard (`nlu/guard.py`) turns them into intents,
the decision (`actions/decide.py`) reads them to answer, ask back, refer or refuse, and the escalation form reads the
contact details and company from the message that asked for a person.

One module per kind of cue:

- `refusals` — harmful requests and instructions aimed at the bot;
- `disputes` — the signs of a live dispute, and what makes a message hypothetical;
- `persons` — asking for a person, contact details, the company;
- `scope` — this desk's matters, matters inside China, off-topic sentences, the policy's measures;
- `small_talk` — greetings, thanks, banter, questions about the bot;
- `noise` — gibberish, repetition, random keys;
- `pasted` — markup, data, links and e-mail headers around a question;
- `followups` — short messages that lean on the conversation's topic;
- `stopping` — leaving a form or an offer;
- `asking` and `patterns` — how a message asks, and how the patterns are written.

Each pattern list was written from the policy, the reply contract and the kinds of request the service must
refuse, and checked against the development sets of the hard evaluation (`nlu/hard/`), never the test sets.
"""
