"""The suite's user-facing error: the ground floor, importable by every module (no imports).

The command line prints a :class:`ConfigError` as one line (no traceback), so its message must
name what to fix: the key and file of a recipe, or the file and line of bad input.
"""


class ConfigError(ValueError):
    """A recipe, override or input file is invalid. The message names the key (or line) and where."""
