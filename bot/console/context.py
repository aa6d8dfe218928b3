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
from bot.desk.db import create_schema, make_engine, sessions
from bot.desk.tickets import Desk
from bot.desk.exhibitions import Exhibitions
from bot.desk.risk_warnings import Warnings
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

    @classmethod
    def build(
        cls, settings: ConsoleSettings, desk_settings: DeskSettings, *, engine: Engine | None = None,
        clock: Clock | None = None, knowledge: LiveKnowledge | None = None,
    ) -> "ConsoleContext":
        engine = engine or make_engine(desk_settings.database_url)
        create_schema(engine)
        maker = sessions(engine)
        clock = clock or SystemClock()
        vocabulary = load_vocabulary()
        knowledge = knowledge or LiveKnowledge()
        desk = Desk(maker, clock, desk_settings, vocabulary=vocabulary)
        return cls(
            settings=settings, desk_settings=desk_settings, engine=engine, sessions=maker, clock=clock, desk=desk,
            accounts=Accounts(maker, clock, settings), calls=HotlineLog(maker, clock, desk),
            suggester=Suggester(settings.rasa_url, settings.rasa_token, knowledge), knowledge=knowledge,
            vocabulary=vocabulary, warnings=Warnings(maker, clock, desk_settings, vocabulary=vocabulary),
            exhibitions=Exhibitions(maker, clock, desk_settings, desk, vocabulary=vocabulary),
        )
