"""``python -m roadsense``."""

from roadsense.cli.main import app

app()
