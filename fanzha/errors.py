"""Errors meant for the person at the keyboard rather than for a traceback."""


class UserFacingError(Exception):
    """A failure the user can act on; the CLI prints it in Chinese and English and exits non-zero.

    ``zh`` is shown first because the station's officers read Chinese; ``en`` serves operators
    and logs.
    """

    def __init__(self, zh: str, en: str, exit_code: int = 2) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"错误：{self.zh}\nError: {self.en}"
