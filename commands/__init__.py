"""The bot's features, one package each (`general`, `announcements`, `events`, `polls`,
`surveys`, `topics`, `space`), and `core`, the framework they are built on. Each package's
`__init__.py` declares its feature in one `Feature` object; `bot/features.py` lists them."""
