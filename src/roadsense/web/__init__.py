"""The dashboard page and its static assets (served by the server; talks to it over HTTP).

Imports nothing of ours: the page reads the server's ``/v1/panels/*`` routes.
"""
