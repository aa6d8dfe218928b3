"""The console's pages, one module per area; each exposes `routes` (an aiohttp RouteTableDef)."""
from bot.console.views import admin, auth, calls, dashboard, expert, home, inbox, tickets

MODULES = [auth, home, calls, tickets, expert, inbox, dashboard, admin]
