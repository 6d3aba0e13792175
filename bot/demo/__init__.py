"""``ipbot demo``: the bot in a browser chat on 127.0.0.1, with no token and no network.

Modules: :mod:`.main` (start-up and shutdown), :mod:`.runtime` (ALL glue to the bot's
runtime), :mod:`.seed` (rosters, cycle, past visits, the people to be), :mod:`.world` (what
the page reads and does, through :mod:`bot.fakeapi`'s public objects), :mod:`.web` (the JSON
API and the static page in ``static/``), :mod:`.render` (messages as the page shows them),
:mod:`.clock` (simulated time), :mod:`.sample` (the sample photo), :mod:`.netguard` (the
no-network audit hook).
"""
