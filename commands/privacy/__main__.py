"""`python -m commands.privacy` writes docs/datenschutz.md from the models."""

from commands.privacy.records import main

main()
