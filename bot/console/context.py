"""Everything a console process shares between requests: the database, the clock, the desk and the services
built on them. The tests build one on a chosen database and a manual clock; `python -m bot.console` builds it
from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, SystemClock
from bot.settings import DeskSettings
from bot.console.accounts import Accounts
from bot.console.calls import HotlineLog
from bot.console.config import ConsoleSettings
from bot.console.suggest import Suggester
from bot.desk.exhibitions import Exhibitions
from bot.desk.gaps import GapQueue
from bot.desk.knowledge_versions import PublishedKnowledge
from bot.desk.risk_warnings import Warnings
from bot.desk.services import DeskServices, open_database
from bot.desk.tickets import Desk
from knowledge import LiveKnowledge
from knowledge.vocabulary import Vocabulary, load_vocabulary


@dataclass
class ConsoleContext:
    settings: ConsoleSettings
    desk_settings: DeskSettings
    engine: Engine
    sessions: sessionmaker
    clock: Clock
    desk: Desk
    accounts: Accounts
    calls: HotlineLog
    suggester: Suggester
    knowledge: LiveKnowledge
    vocabulary: Vocabulary
    warnings: Warnings
    exhibitions: Exhibitions
    gaps: GapQueue

    @classmethod
    def build(
        cls,
        settings: ConsoleSettings,
        desk_settings: DeskSettings,
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
        knowledge: LiveKnowledge | None = None,
    ) -> "ConsoleContext":
        database = open_database(desk_settings, engine=engine)
        services = DeskServices.over(database, clock or SystemClock(), vocabulary=load_vocabulary())
        maker, clock, desk = database.sessions, services.clock, services.desk
        knowledge = knowledge or PublishedKnowledge(maker)  # the published version, or the files while none is
        return cls(
            settings=settings,
            desk_settings=desk_settings,
            engine=database.engine,
            sessions=maker,
            clock=clock,
            desk=desk,
            accounts=Accounts(maker, clock, settings),
            calls=HotlineLog(maker, clock, desk),
            suggester=Suggester(settings.rasa_url, settings.rasa_token, knowledge),
            knowledge=knowledge,
            vocabulary=services.vocabulary,
            warnings=services.warnings,
            exhibitions=services.exhibitions,
            gaps=GapQueue(maker, clock),
        )
