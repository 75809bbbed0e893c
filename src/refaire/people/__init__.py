"""People: who acts in Refaire (accounts, roles, tokens, audit).

`actor.Actor` is the one description of who is making a request, shared by the CLI, the API
and the web pages.
"""
