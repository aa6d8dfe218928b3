"""The fixes the Rasa server needs, one module per fix, each with an `install()` and the test that holds it to
Rasa's behaviour in its docstring; `bot.runtime.server.install()` applies them all (README, "Under load")."""
