"""Reading the words of Co-op commands: Slack's markup, email addresses, a name and a time zone.

Pure functions, no clock and no Harvest. Slack sends slash-command text escaped
(``should_escape``): ``&``, ``<`` and ``>`` as entities, people as ``<@U123|ana>``, addresses as
``<mailto:ana@example.com|ana@example.com>``, links as ``<https://…|label>``.

``create`` splits ``<name> [timezone]`` this way: a quoted name (``"Fawlty Towers" London``)
leaves the rest as the time zone, whatever it says (the service checks it); otherwise the
longest run of trailing words that is a time zone Co-op accepts (``Eastern Time (US & Canada)``,
``buenos aires``) or an IANA name (``Europe/London``) is the time zone, and the words before it
are the name.
"""

from __future__ import annotations

import html
import re

from bot.harvest.timezones import MAPPING

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|ftp)://[^|>]+)(?:\|([^>]*))?>")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_QUOTED_NAME = re.compile(r"^\s*(?:\"([^\"]*)\"|“([^”]*)”)\s*(.*)$")
_ZONES = {name.casefold(): name for name in MAPPING}


def plain_text(text: str) -> str:
    """Slack's markup as a person would retype it: ``<@U1|ana>`` is ``@ana``, a link its URL
    (and label), entities unescaped. What Co-op stores is plain text."""

    def link(match: re.Match[str]) -> str:
        url, label = match[1], match[2]
        return url if not label or label == url else f"{label} ({url})"

    text = _MENTION.sub(lambda m: f"@{m[2] or m[1]}", text)
    text = _CHANNEL.sub(lambda m: f"#{m[2] or m[1]}", text)
    text = _SPECIAL.sub(lambda m: f"@{m[2] or m[1]}", text)
    text = _MAILTO.sub(lambda m: m[1], text)
    text = _LINK.sub(link, text)
    return html.unescape(text).strip()


def mention(word: str) -> tuple[str, str | None] | None:
    """``<@U123|ana>`` as ``("U123", "ana")``; None when the word is no mention."""
    found = _MENTION.fullmatch(word)
    return (found[1], found[2] or None) if found else None


def email_of(word: str) -> str | None:
    """The address in ``ana@example.com`` or Slack's ``<mailto:…|…>``; None when it is none.

    Trailing commas and semicolons (``a@x.com, b@y.com``) are not part of the address.
    """
    word = word.strip().rstrip(",;")
    found = _MAILTO.fullmatch(word)
    candidate = found[1] if found else word
    return candidate if _EMAIL.match(candidate) else None


def looks_like_email(word: str) -> bool:
    """Whether the word was meant as an address (it has an ``@`` and is not a mention)."""
    return "@" in word and not word.startswith(("<@", "@"))


def accepted_timezone(text: str) -> str | None:
    """Co-op's spelling of a time zone it accepts (``london`` is ``London``); IANA names map
    to the Rails name of the same city when there is one (``Europe/London`` is ``London``).
    None when Co-op would refuse it ("We only accept a limited set of values")."""
    words = " ".join(text.split())
    found = _ZONES.get(words.casefold())
    if found is not None:
        return found
    if "/" in words:
        names = [name for name, zone in MAPPING.items() if zone.casefold() == words.casefold()]
        city = words.rsplit("/", 1)[-1].replace("_", " ").casefold()
        for name in names:
            if name.casefold() == city:
                return name
        return names[0] if names else None
    return None


def split_name_timezone(text: str) -> tuple[str, str | None]:
    """``<name> [timezone]`` as ``(name, timezone or None)``; see the module docstring.

    A recognised time zone comes back in Co-op's spelling; a quoted name's rest as typed.
    """
    quoted = _QUOTED_NAME.match(text)
    if quoted is not None:
        name = (quoted[1] if quoted[1] is not None else quoted[2]).strip()
        rest = quoted[3].strip()
        return name, rest or None
    words = text.split()
    for start in range(1, len(words)):  # the longest trailing run first; one word stays the name
        zone = accepted_timezone(" ".join(words[start:]))
        if zone is not None:
            return " ".join(words[:start]), zone
    return " ".join(words), None
