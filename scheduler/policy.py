"""Policy as data: the obligation cadence, reminder leads and service rules.

A policy is a YAML file (default: ``scheduler/policies/zhejiang.yaml``).  Another
province's cadence is a new file, not new code.  ``load_policy`` validates the
file with pydantic and reports any problem as a :class:`PolicyError` naming the
file, the line (from the YAML node marks) and the reason, e.g.::

    zhejiang.yaml:12: roles.envoy.reminder_lead_days must be positive integers
"""

from __future__ import annotations

import re
from datetime import time as dtime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scheduler.periods import PeriodKind

__all__ = [
    "DEFAULT_GRADES",
    "VISIT_MODES",
    "GradeDef",
    "Policy",
    "PolicyError",
    "RolePolicy",
    "default_policy",
    "default_policy_path",
    "load_policy",
    "parse_policy",
]

Role = Literal["commissioner", "envoy"]
ROLES: tuple[str, ...] = ("commissioner", "envoy")
VisitMode = Literal["on_site", "phone", "video", "online"]
VISIT_MODES: tuple[str, ...] = ("on_site", "phone", "video", "online")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_HHMM_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class PolicyError(ValueError):
    """A policy file is missing, unparsable or invalid.

    ``str(err)`` is ``"<file>:<line>: <reason>"`` (one line per problem).
    """

    def __init__(self, message: str, *, file: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hhmm(value: Any) -> dtime:
    if isinstance(value, dtime):
        return value
    if not isinstance(value, str) or not _HHMM_RE.match(value.strip()):
        # YAML 1.1 reads an unquoted 9:00 as the integer 540: insist on a string.
        raise ValueError(f'must be a quoted "HH:MM" string, got {value!r}')
    h, m = value.strip().split(":")
    return dtime(int(h), int(m))


class TaskDef(_Model):
    """One service task: stable key, exact seed wording (zh), English label."""

    key: str
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _KEY_RE.match(v):
            raise ValueError("must be a lower_snake_case identifier")
        return v


class GradeDef(_Model):
    """One evaluation grade (评价等次): stable key, Chinese name, English label."""

    key: str
    zh: str = Field(min_length=1, max_length=16)
    en: str = Field(min_length=1, max_length=32)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _KEY_RE.match(v) or len(v) > 32:
            raise ValueError("must be a lower_snake_case identifier of at most 32 characters")
        return v

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


#: The default scale (seed 004 names no scale; these are the usual four 等次), best first.
DEFAULT_GRADES: tuple[GradeDef, ...] = (
    GradeDef(key="excellent", zh="优秀", en="Excellent"),
    GradeDef(key="competent", zh="称职", en="Competent"),
    GradeDef(key="basically_competent", zh="基本称职", en="Basically competent"),
    GradeDef(key="incompetent", zh="不称职", en="Incompetent"),
)


class Obligation(_Model):
    """At least ``min_visits`` visits in ``counting_modes`` per ``period`` per ``per``."""

    period: PeriodKind
    min_visits: int = Field(ge=1)
    counting_modes: tuple[VisitMode, ...] = ("on_site",)
    per: Literal["assignment"] = "assignment"

    @field_validator("counting_modes")
    @classmethod
    def _modes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("must list at least one visit mode")
        if len(set(v)) != len(v):
            raise ValueError("must not repeat a visit mode")
        return v


class Evaluation(_Model):
    """When people of a role are evaluated: at the cycle end, or every calendar period."""

    every: Literal["cycle_end", "year", "half_year", "quarter", "month"]


class RolePolicy(_Model):
    tasks: tuple[TaskDef, ...]
    obligation: Obligation
    reminder_lead_days: tuple[int, ...]
    evaluation: Evaluation

    @field_validator("tasks")
    @classmethod
    def _tasks(cls, v: tuple[TaskDef, ...]) -> tuple[TaskDef, ...]:
        if not v:
            raise ValueError("must list at least one task")
        keys = [t.key for t in v]
        if len(set(keys)) != len(keys):
            raise ValueError("must have unique keys")
        return v

    @field_validator("reminder_lead_days", mode="before")
    @classmethod
    def _leads(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple) or not all(
            isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v
        ):
            raise ValueError("must be positive integers")
        if len(set(v)) != len(v):
            raise ValueError("must not repeat a lead")
        # Normalised: largest lead first.
        return tuple(sorted(v, reverse=True))

    def task(self, key: str) -> TaskDef:
        for t in self.tasks:
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def task_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tasks)


class Roles(_Model):
    commissioner: RolePolicy
    envoy: RolePolicy


class Digest(_Model):
    weekday: Weekday
    time: dtime

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, v: Any) -> dtime:
        return _hhmm(v)

    @property
    def weekday_index(self) -> int:
        """Monday = 0, as in ``date.weekday()``."""
        return WEEKDAYS.index(self.weekday)


class Consultation(_Model):
    claim_within_working_days: int = Field(ge=0)
    answer_within_working_days: int = Field(ge=0)
    close_after_days: int = Field(ge=1)
    max_new_per_asker_per_day: int = Field(ge=1)


class VisitRules(_Model):
    edit_within_days: int = Field(ge=0)
    delete_within_hours: int = Field(ge=0)
    summary_min_chars: int = Field(ge=0)
    summary_max_chars: int = Field(ge=1)
    max_photos: int = Field(ge=0)
    draft_idle_timeout_minutes: int = Field(ge=1)

    @model_validator(mode="after")
    def _range(self) -> VisitRules:
        if self.summary_min_chars > self.summary_max_chars:
            raise ValueError("summary_min_chars must not exceed summary_max_chars")
        return self


class Policy(_Model):
    """A whole policy file."""

    name: str = "unnamed"
    cycle_years: int = Field(ge=1)
    send_time: dtime
    timezone: str
    skip_non_working_days: bool
    waive_windows_shorter_than_days: int = Field(ge=0)
    cycle_end_notice_days: int = Field(ge=0)
    digest: Digest
    consultation: Consultation
    visit: VisitRules
    roles: Roles
    #: The province's 山区海岛 counties (seed 004 speaks of 25; the office fills in the
    #: names). When listed, a region of kind 山区/海岛 not on the list imports with a warning.
    mountain_island_counties: tuple[str, ...] | None = None

    @field_validator("mountain_island_counties")
    @classmethod
    def _counties(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        names = [x.strip() for x in v]
        if any(not x for x in names):
            raise ValueError("must not hold an empty name")
        if len(set(names)) != len(names):
            raise ValueError("must not repeat a county")
        return tuple(names)
    #: Evaluation grades, best first; the last (lowest) lists the person under "需调整".
    grades: tuple[GradeDef, ...] = DEFAULT_GRADES

    @field_validator("send_time", mode="before")
    @classmethod
    def _send_time(cls, v: Any) -> dtime:
        return _hhmm(v)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @field_validator("grades")
    @classmethod
    def _grades(cls, v: tuple[GradeDef, ...]) -> tuple[GradeDef, ...]:
        if len(v) < 2:
            raise ValueError("must list at least two grades, best first")
        for attr in ("key", "zh", "en"):
            names = [getattr(g, attr) for g in v]
            if len(set(names)) != len(names):
                raise ValueError(f"must not repeat a grade's {attr}")
        return v

    @property
    def lowest_grade(self) -> GradeDef:
        """The grade that calls for adjustment (listed under "需调整" in the digest)."""
        return self.grades[-1]

    def grade(self, text: str) -> GradeDef | None:
        """The grade named by its key, Chinese name or English label (any case)."""
        wanted = text.strip().casefold()
        return next((g for g in self.grades if wanted in (
            g.key, g.zh.casefold(), g.en.casefold())), None)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def role(self, role: str) -> RolePolicy:
        """Role section by name (``commissioner`` / ``envoy``)."""
        if role not in ROLES:
            raise KeyError(f"unknown role {role!r}; expected one of {ROLES}")
        return getattr(self.roles, role)


# --------------------------------------------------------------------------- loading


def default_policy_path() -> Path:
    """Path of the bundled default policy (Zhejiang)."""
    return Path(__file__).resolve().parent / "policies" / "zhejiang.yaml"


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The bundled default policy, loaded once."""
    return load_policy(default_policy_path())


def load_policy(path: str | Path) -> Policy:
    """Load and validate a policy YAML file; raise :class:`PolicyError` if it is wrong."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(f"{p}: cannot read policy file: {e.strerror or e}", file=str(p)) from e
    except UnicodeDecodeError as e:
        raise PolicyError(f"{p}: policy file is not UTF-8", file=str(p)) from e
    return parse_policy(text, filename=str(p))


def parse_policy(text: str, filename: str = "<policy>") -> Policy:
    """Validate policy YAML ``text``; errors name ``filename`` and the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = e.problem or str(e)
        raise PolicyError(f"{filename}:{line}: YAML syntax error: {reason}",
                          file=filename, line=line) from e
    except yaml.YAMLError as e:
        raise PolicyError(f"{filename}:1: YAML error: {e}", file=filename, line=1) from e
    if node is None or not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise PolicyError(f"{filename}:{line}: policy must be a mapping at the top level",
                          file=filename, line=line)
    _check_duplicate_keys(node, filename)
    data = yaml.SafeLoader(text).get_single_data()
    try:
        return Policy.model_validate(data)
    except ValidationError as e:
        problems = []
        first_line: int | None = None
        for err in e.errors():
            loc = tuple(err["loc"])
            line = _line_for(node, loc)
            first_line = line if first_line is None else first_line
            problems.append(f"{filename}:{line}: {_reason(loc, err)}")
        raise PolicyError("\n".join(problems), file=filename, line=first_line) from None


def _reason(loc: tuple[Any, ...], err: dict[str, Any]) -> str:
    path = ".".join(str(x) for x in loc) or "policy"
    msg = str(err.get("msg", "invalid"))
    etype = err.get("type", "")
    if etype == "value_error":
        msg = msg.removeprefix("Value error, ")
        return f"{path} {msg}" if loc else msg
    if etype == "missing":
        return f"{path} is required"
    if etype == "extra_forbidden":
        return f"{path}: unknown setting"
    return f"{path}: {msg}"


def _line_for(root: yaml.Node, loc: tuple[Any, ...]) -> int:
    """1-based line for a pydantic error location.

    Walks ``loc`` down the YAML node tree as far as it exists.  A scalar points at
    itself; a mapping or sequence (or a missing child) points at the key that
    introduces it, which is where a reader looks.
    """
    node: yaml.Node = root
    key_line: int | None = None
    for part in loc:
        child: yaml.Node | None = None
        child_key_line = key_line
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    child, child_key_line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
                child_key_line = child.start_mark.line + 1
        if child is None:
            return key_line if key_line is not None else node.start_mark.line + 1
        node, key_line = child, child_key_line
    if isinstance(node, yaml.ScalarNode) or key_line is None:
        return node.start_mark.line + 1
    return key_line


def _check_duplicate_keys(node: yaml.Node, filename: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    line = k.start_mark.line + 1
                    raise PolicyError(f"{filename}:{line}: duplicate key {k.value!r}",
                                      file=filename, line=line)
                seen.add(k.value)
            _check_duplicate_keys(v, filename)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            _check_duplicate_keys(v, filename)
