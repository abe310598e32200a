"""The ``roadsense`` command: every part's commands in one place (may import every part).

Subcommands are imported when they run (``roadsense.cli.lazy``), so the gateway's
``roadsense edge ...`` needs only the base install; an error of ours becomes one line
on stderr and exit status 2.
"""
