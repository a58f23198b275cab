"""One type per kind of value, as FollowTheMoney's ``types/`` registry: phones, money, resident ID
numbers, bank card and account numbers, URLs and the plain-text identifiers (QQ, WeChat, apps).

Each module says how such a value is read from what people type (clean, the stored form),
whether it is a well-formed one (validate) and how it is shown (format);
:class:`fanzha.domain.values.registry.ValueType` bundles them per type with the one comparison
(two writings are one value when they clean alike), and the registry maps every identifier kind
of the one vocabulary (``fanzha/data/identifier_kinds.json``) to its type.
"""
