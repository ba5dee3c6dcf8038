"""Findings: what a reader or verifier should know about a result (not input errors)."""

from __future__ import annotations

import bisect
import heapq
import operator
from collections.abc import Iterable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Finding", "FindingList", "PlannedFindings", "SortedFindings"]


@dataclass(frozen=True)
class Finding:
    """Something a reader or verifier should know about the result (not an input error)."""

    code: str
    severity: Literal["info", "warning", "error"]
    subject: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return the finding in the ``result@1`` shape (its four fields, all text).

        Built directly: ``dataclasses.asdict`` deep-copies field by field (20 µs a
        finding; a result of 10,000 sources has 10,000 findings).
        """
        return {
            "code": self.code,
            "severity": self.severity,
            "subject": self.subject,
            "message": self.message,
        }


Template = tuple[str, Any, str]
"""A finding without its subject: (code, severity, message)."""

FINDING_ORDER = operator.attrgetter("subject", "code", "message")
"""The order of a result's findings: subject, code, message."""


def make_finding(code: str, severity: Any, subject: str, message: str) -> Finding:
    """A :class:`Finding` made without a setattr per field (ten thousand at a time)."""
    found: Finding = object.__new__(Finding)
    object.__setattr__(
        found, "__dict__", {"code": code, "severity": severity, "subject": subject, "message": message}
    )
    return found


class _ListLike(Sequence[Finding]):
    """What the lazy sequences of findings share: indexing, equality, repr of their list."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # like a list

    def _list(self) -> list[Finding]:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> Finding: ...
    @overload
    def __getitem__(self, i: slice) -> list[Finding]: ...
    def __getitem__(self, i: int | slice) -> Finding | list[Finding]:
        return self._list()[i]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list | tuple | _ListLike):
            return self._list() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._list())


class PlannedFindings(_ListLike):
    """Planning's findings, in the order planning found them, kept as templates.

    Sources of one kind share their findings: source *i* has those of group
    ``group_of[i]`` (``groups[g]``, templates given under the source's id), or, planned
    on its own (group -1), its own (``own[i]``); ``tail`` follows every source's. A
    read-only sequence of :class:`Finding` (made when first asked for).
    """

    __slots__ = ("_items", "group_of", "groups", "ids", "own", "tail")

    def __init__(
        self,
        ids: Sequence[str],
        group_of: npt.NDArray[np.intp],
        groups: Sequence[tuple[Template, ...]],
        own: dict[int, list[Finding]],
        tail: list[Finding],
    ) -> None:
        self.ids, self.group_of, self.groups = ids, group_of, groups
        self.own, self.tail = own, tail
        self._items: list[Finding] | None = None

    def counts(self) -> npt.NDArray[np.intp]:
        """How many findings each source has (its group's or its own)."""
        import numpy as np

        sizes = np.array([*map(len, self.groups), 0], dtype=np.intp)
        out = sizes[self.group_of]  # -1: the 0 at the end
        for i, found in self.own.items():
            out[i] = len(found)
        return out

    def __len__(self) -> int:
        if self._items is not None:
            return len(self._items)
        return int(self.counts().sum()) + len(self.tail)

    def _list(self) -> list[Finding]:
        if self._items is None:
            out: list[Finding] = []
            groups, ids, own = self.groups, self.ids, self.own
            for i, g in enumerate(self.group_of.tolist()):
                if g >= 0:
                    sid = ids[i]
                    out += [make_finding(c, s, sid, m) for c, s, m in groups[g]]
                elif i in own:
                    out += own[i]
            self._items = out + self.tail
        return self._items


class SortedFindings(_ListLike):
    """Findings sorted (subject, code, message): templates and subjects, made when asked for.

    Immutable and shared by the results of one set of plans (cached with them).
    """

    __slots__ = ("_items", "subjects", "template", "templates")

    def __init__(
        self, templates: Sequence[Template], template: Sequence[int], subjects: Sequence[str]
    ) -> None:
        self.templates, self.template, self.subjects = templates, template, subjects
        self._items: list[Finding] | None = None

    def __len__(self) -> int:
        return len(self.subjects)

    def subjects_of(self, code: str) -> list[str]:
        """The subjects of the findings of *code*, in order (no finding made)."""
        codes = [t[0] == code for t in self.templates]
        return [s for k, s in zip(self.template, self.subjects, strict=True) if codes[k]]

    def _list(self) -> list[Finding]:
        if self._items is None:
            t = self.templates
            self._items = [
                make_finding(*t[k][:2], sid, t[k][2])
                for k, sid in zip(self.template, self.subjects, strict=True)
            ]
        return self._items


class FindingList(_ListLike, MutableSequence[Finding]):
    """A result's findings: a list, made from its sorted parts when first read.

    ``len`` needs no :class:`Finding` made; anything else (indexing, iterating,
    changing) makes the list once. :meth:`insort` puts a finding in its sorted place.
    Equal to a list of the same findings.
    """

    __slots__ = ("_extra", "_items", "_static")

    def __init__(self, static: Sequence[Finding] = (), extra: Iterable[Finding] = ()) -> None:
        self._static = static  # sorted
        self._extra = list(extra)  # in the order found, sorted when the list is made
        self._items: list[Finding] | None = None

    def _list(self) -> list[Finding]:
        if self._items is None:
            base = self._static
            if self._extra:
                more = sorted(self._extra, key=FINDING_ORDER)
                self._items = list(heapq.merge(base, more, key=FINDING_ORDER))
            else:
                self._items = list(base)
        return self._items

    def subjects_of(self, code: str) -> list[str]:
        """The subjects of the findings of *code* (in no set order; none made if not yet)."""
        if self._items is None and isinstance(self._static, SortedFindings):
            return [*self._static.subjects_of(code), *(f.subject for f in self._extra if f.code == code)]
        return [f.subject for f in self if f.code == code]

    def insort(self, finding: Finding) -> None:
        """Put *finding* after the findings of its (subject, code, message) or before."""
        if self._items is None:
            self._extra.append(finding)
        else:
            bisect.insort_right(self._items, finding, key=FINDING_ORDER)

    def __len__(self) -> int:
        if self._items is None:
            return len(self._static) + len(self._extra)
        return len(self._items)

    @overload
    def __setitem__(self, i: int, value: Finding) -> None: ...
    @overload
    def __setitem__(self, i: slice, value: Iterable[Finding]) -> None: ...
    def __setitem__(self, i: Any, value: Any) -> None:
        self._list()[i] = value

    def __delitem__(self, i: int | slice) -> None:
        del self._list()[i]

    def insert(self, index: int, value: Finding) -> None:
        """Insert *value* before *index* (as ``list.insert``)."""
        self._list().insert(index, value)

    def __add__(self, other: Iterable[Finding]) -> list[Finding]:
        return [*self._list(), *other]

    def __radd__(self, other: Iterable[Finding]) -> list[Finding]:
        return [*other, *self._list()]


def sort_findings(planned: PlannedFindings, more: Sequence[Finding]) -> SortedFindings:
    """Planning's findings once each (the same four fields), then *more*, sorted.

    The order of ``sorted(unique planned + more, key=FINDING_ORDER)`` (a stable sort,
    planned first, each in the order found), worked out on arrays of subject and
    template ranks: no finding is made until the result is read.
    """
    import numpy as np

    tindex: dict[Template, int] = {}
    templates: list[Template] = []

    def tid(t: Template) -> int:
        k = tindex.get(t)
        if k is None:
            k = tindex[t] = len(templates)
            templates.append(t)
        return k

    ids, go, n = planned.ids, planned.group_of, len(planned.ids)
    flat = np.array([tid(t) for g in planned.groups for t in g], dtype=np.intp)
    sizes = np.array([*map(len, planned.groups), 0], dtype=np.intp)
    count = sizes[go]  # sources planned on their own (-1): the 0 at the end
    g_first = np.cumsum(sizes) - sizes
    starts = np.cumsum(count) - count
    within = np.arange(int(count.sum()), dtype=np.intp) - np.repeat(starts, count)
    src = np.repeat(np.arange(n, dtype=np.intp), count)
    tids = flat[np.repeat(g_first[go], count) + within] if flat.size else within
    explicit = [(i, j, f) for i in sorted(planned.own) for j, f in enumerate(planned.own[i])]
    explicit += [(n, j, f) for j, f in enumerate(planned.tail)]
    rank = _subject_ranks([*ids, *(f.subject for _, _, f in explicit), *(f.subject for f in more)])
    e_tid = [tid((f.code, f.severity, f.message)) for _, _, f in explicit]
    m_tid = [tid((f.code, f.severity, f.message)) for f in more]
    # templates ranked by (code, message): two that differ only in severity tie
    order_of = sorted({(t[0], t[2]) for t in templates})
    where = {k: r for r, k in enumerate(order_of)}
    t_rank = np.array([where[(t[0], t[2])] for t in templates] or [0], dtype=np.intp)
    e = len(explicit)
    s_rank = np.concatenate([rank[:n][src], rank[n : n + e]]).astype(np.intp)
    t_all = np.concatenate([tids, np.array(e_tid, dtype=np.intp)]).astype(np.intp)
    pos = np.concatenate([src, np.array([i for i, _, _ in explicit], dtype=np.intp)])
    sub = np.concatenate([within, np.array([j for _, j, _ in explicit], dtype=np.intp)])
    seq = np.empty(pos.size, dtype=np.intp)  # the order planning found them in
    seq[np.lexsort((sub, pos))] = np.arange(pos.size, dtype=np.intp)
    # each finding once: the first of equal (subject, template)
    order = np.lexsort((seq, t_all, s_rank))
    s_rank, t_all, seq = s_rank[order], t_all[order], seq[order]
    keep = np.ones(s_rank.size, dtype=bool)
    keep[1:] = (s_rank[1:] != s_rank[:-1]) | (t_all[1:] != t_all[:-1])
    s_rank, t_all, seq = s_rank[keep], t_all[keep], seq[keep]
    if more:  # after the planned ones on ties (a stable sort of planned + more)
        s_rank = np.concatenate([s_rank, rank[n + e :]]).astype(np.intp)
        t_all = np.concatenate([t_all, np.array(m_tid, dtype=np.intp)])
        seq = np.concatenate([seq, pos.size + np.arange(len(more), dtype=np.intp)])
    # a stable sort by (subject, code, message): ties in the order found
    order = np.lexsort((seq, t_rank[t_all], s_rank))
    s_rank, t_all = s_rank[order], t_all[order]
    names = rank.names
    return SortedFindings(templates, t_all.tolist(), [names[k] for k in s_rank.tolist()])


class _Ranks:
    """Each subject's rank in the sorted distinct subjects (``names``)."""

    def __init__(self, ranks: npt.NDArray[np.intp], names: list[str]) -> None:
        self.ranks, self.names = ranks, names

    def __getitem__(self, i: slice) -> npt.NDArray[np.intp]:
        return self.ranks[i]


def _subject_ranks(subjects: list[str]) -> _Ranks:
    """The rank of each subject among the distinct ones, in Python's order of strings."""
    import numpy as np

    arr = np.array(subjects, dtype=str)
    if arr.tolist() == subjects:  # held exactly (no trailing NUL): code point order
        names, inverse = np.unique(arr, return_inverse=True)
        return _Ranks(inverse.reshape(-1).astype(np.intp), names.tolist())
    distinct = sorted(set(subjects))
    where = {s: k for k, s in enumerate(distinct)}
    return _Ranks(np.array([where[s] for s in subjects], dtype=np.intp), distinct)
