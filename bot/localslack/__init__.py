"""A local Slack for trying and testing the app without a workspace.

``server``     the Web API stand-in (:class:`~bot.localslack.server.LocalSlack`): answers the
               app's slack_sdk calls, keeps messages and views, serves ``response_url``\\ s
``workspace``  the state behind it and the Web API methods, no HTTP
``signing``    requests as Slack sends them to the app, correctly signed
``render``     Block Kit as readable terminal text, interactive elements numbered
"""
