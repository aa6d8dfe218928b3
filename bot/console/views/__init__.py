"""The console's pages, one module per area; each exposes `routes` (an aiohttp RouteTableDef)."""

from bot.console.views import (
    admin,
    auth,
    calls,
    dashboard,
    editor,
    editor_items,
    exhibitions,
    expert,
    home,
    inbox,
    knowledge,
    model,
    tickets,
    warnings,
)

MODULES = [
    auth,
    home,
    calls,
    tickets,
    expert,
    inbox,
    warnings,
    exhibitions,
    knowledge,
    editor,
    editor_items,
    model,
    dashboard,
    admin,
]
