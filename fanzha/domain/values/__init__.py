"""One type per kind of value, as FollowTheMoney's ``types/`` registry: phones, money, resident ID
numbers, bank card and account numbers, URLs and the plain-text identifiers (QQ, WeChat, apps).

Each module says how such a value is read from what people type (``clean``), whether it is a
well-formed one (``validate``), how it is shown (``format``) and when two are the same
(``compare``). :mod:`fanzha.domain.values.registry` maps every identifier kind of the one
vocabulary (``fanzha/data/identifier_kinds.json``) to its type.
"""
