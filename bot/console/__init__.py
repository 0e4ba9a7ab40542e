"""``harvest-bot console``: be a person of a Slack workspace at a terminal prompt.

``lines``    what a typed line means (``/harvest …``, ``:press 2``, ``:submit hours=1``): pure
``forms``    the values of a modal's inputs as Slack reports them: pure
``session``  the conversation: each line a signed request to the app
``screen``   what the app posts to the local Slack, rendered back as text
             (:mod:`bot.localslack.render`), and what was shown to whom
``terminal`` lines from a terminal or a pipe; ``harvest-bot console`` against a running app
"""
