"""The framework the features are built on: commands and their registry, converters,
dispatch, help, i18n, rendering, the context a handler gets, the ports `bot/` implements,
signals, time phrases and recurrence, charts."""
