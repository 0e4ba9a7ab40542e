"""What can go wrong with Co-op, in words a person can act on.

::

    CoopError
    ├── CoopOff        Co-op is not available (no Co-op URL set up, or a v2 account without one)
    ├── CoopDown       Co-op is not answering
    ├── NoGroup        no group meant: none linked here, no default, not exactly one group
    ├── UnknownGroup   none of the person's groups has that name
    ├── NotMember      the person is not (or no longer) a member of the group
    ├── NotOwner       only the owner may do that
    ├── NotInGroup     the person named is not a member of the group
    ├── BadTimezone    Co-op does not accept that time zone
    └── CoopRefused    Co-op refused the values, with its message

Each class's docstring is its default message; most are raised with a more precise one.
"""

from __future__ import annotations

from bot.harvest.models import Group


class CoopError(Exception):
    """Co-op could not do that."""


class CoopOff(CoopError):
    """Co-op isn't set up for this Harvest account, so there are no groups to post to."""


#: :class:`CoopOff`'s message for a v2 account with no Co-op URL set up (Co-op is a v1-era
#: service: Harvest API v2 has none of its own).
COOP_OFF_V2 = ("Co-op is not available for Harvest v2 accounts here, so there are no groups "
               "to post to or read.")


class CoopDown(CoopError):
    """Co-op isn't answering right now, so nothing was changed. Please try again in a minute."""


class NoGroup(CoopError):
    """You're not in any Co-op group yet. Create one with `/harvest group create <name>`."""


class UnknownGroup(CoopError):
    """None of your Co-op groups has that name. `/harvest group list` shows them."""


class NotMember(CoopError):
    """You're not a member of that Co-op group, so I can't do that for you."""


class NotOwner(CoopError):
    """Only the group's owner can do that."""


class NotInGroup(CoopError):
    """That person isn't a member of the group. Invite them first."""


class BadTimezone(CoopError):
    """Co-op doesn't accept that time zone."""


class CoopRefused(CoopError):
    """Co-op refused that."""


def not_member(group: Group) -> NotMember:
    return NotMember(f"You're not a member of *{group.name}* (or it no longer exists), so I "
                     "can't do that for you.")
