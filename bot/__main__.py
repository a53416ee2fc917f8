"""`python -m bot` is the `alumni-bot` command."""

import sys

from bot.cli import main

sys.exit(main())
