"""What several test files share: a REST client of the chat (rest), a fake Telegram Bot API and a worker process
(telegram_fake), the console over HTTP (console) and in chromium (browser), free ports and a stack that starts or
fails with its logs (stack), and a database of its own per test on SQLite or PostgreSQL (databases)."""
