"""The console's pages, one module per area; each exposes `routes` (an aiohttp RouteTableDef)."""
from bot.console.views import auth, calls, home

MODULES = [auth, home, calls]
