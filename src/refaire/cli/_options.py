"""One rule per common flag, so the same mistake gets the same answer from every command.

A flag such as `--near`, `--material`, `--process`, `--radius-km`, `--lang`, `--sector`, `--openness`,
`--readiness`, `--country`, `--limit` or `--offset` means the same thing wherever it
appears. `install_rules` walks the whole command tree and attaches the rule of each such
flag to every option spelled that way, so a new command gets the checks without asking;
`reword` turns the parser's own complaints (out of range, not a number, not a choice)
into the same kind of sentence. Every sentence names the flag and the values it takes,
never the API's field names (`radius_km`, `near`).

The checks canonicalise where a value is clearly meant (`a61` is the sector `A61`,
`fr` the country `FR`) and refuse the rest with exit code 2, so a typo never turns into a
silent empty result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import typer

# The radius a person can mean: more than zero, at most half the Earth's circumference.
MAX_RADIUS_KM = 20_000.0
OPENNESS = ("permissive", "weak-copyleft", "strong-copyleft", "non-free", "unknown")
LANGS = ("en", "fr")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class FlagError(typer.BadParameter):
    """A value a flag does not take; the message is already the whole sentence."""

    def format_message(self) -> str:
        return self.message


@dataclass(frozen=True)
class Rule:
    """What a flag takes (`allowed`, worded for people) and how a value is checked.

    `check` returns the canonical value or raises ValueError with a short reason; None
    means the parser's own conversion (numbers, bounds, choices) is the whole check.
    """

    allowed: str
    # (value, lang of the command's --lang or "en") -> canonical value, or ValueError
    check: Callable[[str, str], Any] | None = None
    # the check's own reason is the better sentence (it lists candidates): keep it
    own_words: bool = False


def _near(value: str, lang: str) -> str:
    from refaire.places import PlaceError, resolve_place

    try:
        resolve_place(value)
    except PlaceError as exc:
        raise ValueError(exc.text(lang)) from None
    # the command resolves it again (cached): it may word the place in the asked language
    return value


def _capability(kind: str) -> Callable[[str, str], str]:
    def check(value: str, _lang: str) -> str:
        from refaire.vocab.names import canonical_id

        return canonical_id(value, kind)  # UnknownName is a ValueError naming close ids

    return check


def _radius(value: Any, _lang: str) -> float:
    radius = float(value)
    if not 0 < radius <= MAX_RADIUS_KM:
        raise ValueError("out of range")
    return radius


def _choice(allowed: tuple[str, ...]) -> Callable[[str, str], str]:
    def check(value: str, _lang: str) -> str:
        canonical = str(value).strip().lower()
        if canonical not in allowed:
            raise ValueError("unknown value")
        return canonical

    return check


def _sector(value: str, _lang: str) -> str:
    from refaire.vocab.cpc import known_sectors

    canonical = str(value).strip().upper()
    if canonical not in known_sectors():
        raise ValueError("unknown sector")
    return canonical


def _sector_allowed() -> str:
    from refaire.vocab.cpc import known_sectors

    return "a sector id, one of " + ", ".join(known_sectors())


def _readiness(value: str, _lang: str) -> str:
    from refaire.vocab.readiness import normalise_technology_readiness

    level, _rule = normalise_technology_readiness(str(value))
    if level is None:
        raise ValueError("not a level")
    return level


def _country(value: str, _lang: str) -> str:
    if not _COUNTRY.match(str(value).strip()):
        raise ValueError("not a code")
    return str(value).strip().upper()


RULES: dict[str, Rule] = {
    "--near": Rule(
        'a town (Lyon, "Troy, NY", "Lyon, FR") or LAT,LON such as 45.76,4.84', _near, True
    ),
    "--material": Rule("a material of the vocabulary", _capability("material"), True),
    "--process": Rule("a process of the vocabulary", _capability("process"), True),
    "--radius-km": Rule(f"a distance in km above 0 and at most {MAX_RADIUS_KM:g}", _radius),
    "--lang": Rule("one of " + ", ".join(LANGS), _choice(LANGS)),
    "--sector": Rule("", _sector),  # its allowed values come from the vocabulary, see _allowed
    "--openness": Rule("one of " + ", ".join(OPENNESS), _choice(OPENNESS)),
    "--readiness": Rule("an OTRL level from OTRL-1 to OTRL-9, e.g. OTRL-4", _readiness),
    "--country": Rule("a two-letter ISO country code such as FR", _country),
    "--limit": Rule("a whole number of at least 1"),
    "--offset": Rule("a whole number of at least 0"),
}


def flag_of(param: Any) -> str:
    """The long spelling of an option (`--radius-km`), or the argument's metavar."""
    longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return longs[0] if longs else (getattr(param, "display_name_raw", None) or param.name or "?")


def _allowed(param: Any) -> str:
    """What `param` takes: its own bounds or choices first, then the shared rule."""
    desc = getattr(param, "type_descriptor", None)
    flag = flag_of(param)
    if desc is not None and desc.is_choice:
        return "one of " + ", ".join(str(getattr(c, "value", c)) for c in desc.choices)
    if desc is not None and desc.is_ranged:
        info = desc.parameter_info
        kind = "a whole number" if desc.annotation is int else "a number"
        if info.min is not None and info.max is not None:
            return f"{kind} from {info.min} to {info.max}"
        if info.min is not None:
            return f"{kind} of at least {info.min}"
        return f"{kind} of at most {info.max}"
    if flag == "--sector":
        return _sector_allowed()
    rule = RULES.get(flag)
    if rule is not None:
        return rule.allowed
    if desc is not None and desc.annotation in (int, float):
        return "a whole number" if desc.annotation is int else "a number"
    return ""


def sentence(param: Any, value: Any = None, reason: str = "") -> str:
    """`--limit must be a whole number from 1 to 200, not '0'.` — the one wording."""
    flag = flag_of(param)
    allowed = _allowed(param)
    got = f", not {value!r}" if value is not None else ""
    if allowed:
        return f"{flag} must be {allowed}{got}."
    return f"{flag}: {reason or 'invalid value'}{got}."


def _with_rule(rule: Rule, previous: Callable[..., Any] | None) -> Callable[..., Any]:
    def callback(ctx: Any, param: Any, value: Any) -> Any:
        if value is not None and rule.check is not None:
            # --lang is eager (see install_rules): known here, so --near errors are worded in it
            lang = str((getattr(ctx, "params", None) or {}).get("lang") or "en")
            lang = lang if lang in LANGS else "en"
            if isinstance(value, list | tuple):
                value = type(value)(_checked(rule, param, v, lang) for v in value)
            else:
                value = _checked(rule, param, value, lang)
        return previous(ctx, param, value) if previous is not None else value

    callback.refaire_rule = rule  # type: ignore[attr-defined]
    return callback


def _checked(rule: Rule, param: Any, value: Any, lang: str) -> Any:
    assert rule.check is not None
    try:
        return rule.check(value, lang)
    except ValueError as exc:
        if rule.own_words:
            # e.g. the place resolver's sentence already says what was found and what to type
            raise FlagError(f"{flag_of(param)}: {exc}", param=param) from None
        raise FlagError(sentence(param, value), param=param) from None


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the tree with its path (`("designs", "list")`), groups included."""
    yield path, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from walk(sub, (*path, name))


def install_rules(root: Any) -> None:
    """Attach the shared rule to every option spelled like a key of RULES (once)."""
    for _path, command in walk(root):
        for param in command.params:
            rule = RULES.get(flag_of(param))
            if rule is None or getattr(param, "is_flag", False):
                continue
            if flag_of(param) == "--lang":
                # read before the other options, whatever their order on the command line,
                # so that the sentences of their refusals can be in that language
                param.is_eager = True
            if getattr(param.callback, "refaire_rule", None) is not None:
                continue
            desc = getattr(param, "type_descriptor", None)
            if desc is not None and desc.is_choice:
                continue  # the parser checks a choice itself; `reword` words its refusal
            param.callback = _with_rule(rule, param.callback)
