"""The suite's user-facing error: the ground floor, importable by every module (no imports).

The command line prints a :class:`ConfigError` as one line (no traceback), so its message must
name what to fix: the key and file of a recipe, or the file and line of bad input.
"""


class ConfigError(ValueError):
    """A recipe, override or input file is invalid. The message names the key (or line) and where."""


class TaskFailed(RuntimeError):
    """A task run on this machine raised. ``str()`` is the whole report (the task's traceback);
    ``summary`` its last line, the exception the task raised (what the command line prints, with
    ``log``, the task's stderr file); ``jobs`` the step's jobs, so the run records them."""

    def __init__(self, message: str, jobs: list, log: str = ""):
        super().__init__(message)
        lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.split(":")[0].replace(".", "").isidentifier() and ":" in ln
                  and ln.split(":")[0].endswith(("Error", "Exception", "Interrupt", "Exit"))]
        self.summary = (errors or lines or ["(no message)"])[-1]
        self.jobs, self.log = jobs, log
        self.run_dir = None      # set by the launcher, which knows it
