"""How kubectl prints an error and which exit code it uses (``cmdutil.CheckErr``,
k8s.io/kubectl/pkg/cmd/util/helpers.go).

* API errors print as ``Error from server (<Reason>): <message>``;
* ``Invalid`` errors print from the Status details: ``The Deployment "web" is invalid:
  spec.replicas: Invalid value: -1: …`` (several causes as a ``* `` list);
* other errors get an ``error: `` prefix;
* several errors (``ContinueOnError`` visits) print one per line, each rendered as above but
  without the ``error: `` prefix for client-side ones.

Every error exits with code 1.
"""
from __future__ import annotations

from ..api import errors as api_errors
from ..api.registry import NoKindMatchError
from .parser import CommandError

DEFAULT_ERROR_EXIT_CODE = 1


def _invalid_text(status: dict) -> str:
    details = status.get("details")
    text = "The request is invalid"
    if details is None:
        msg = status.get("message", "")
        return f"{text}: {msg}" if msg else text
    causes = details.get("causes") or []
    if details.get("kind") or details.get("name"):
        text = f"The {details.get('kind', '')} {api_errors.go_quote(details.get('name', ''))} is invalid"
    elif status.get("message") and not causes:
        # no kind or name: the server's message says what is wrong
        text += ": " + status["message"]
    if not causes:
        return text
    msgs: list[str] = []
    for cause in causes:
        m = f"{cause.get('field', '')}: {cause.get('message', '')}"
        if m not in msgs:
            msgs.append(m)
    if len(msgs) == 1:
        return f"{text}: {msgs[0]}"
    return f"{text}: \n" + "\n".join(f"* {m}" for m in msgs)


def standard_message(err: api_errors.StatusError) -> str:
    """``StandardErrorMessage`` for an API error."""
    status = err.status
    reason = status.get("reason", "")
    if reason == "Unauthorized":
        return f"error: You must be logged in to the server ({status.get('message', '')})"
    if reason:
        return f"Error from server ({reason}): {status.get('message', '')}"
    return f"Error from server: {status.get('message', '')}"


def render(err: BaseException) -> tuple[str, int]:
    """The text kubectl prints for ``err`` (without the final newline) and its exit code."""
    if isinstance(err, CommandError):
        return err.message, err.code
    if isinstance(err, api_errors.StatusError):
        if err.reason == "Invalid":
            return _invalid_text(err.status), DEFAULT_ERROR_EXIT_CODE
        return standard_message(err), DEFAULT_ERROR_EXIT_CODE
    if isinstance(err, NoKindMatchError):
        return f"error: {err}", DEFAULT_ERROR_EXIT_CODE
    if isinstance(err, MultipleErrors):
        return err.text(), DEFAULT_ERROR_EXIT_CODE
    msg = str(err)
    if not msg.startswith("error: "):
        msg = "error: " + msg
    return msg, DEFAULT_ERROR_EXIT_CODE


class GoError(CommandError):
    """A client-side error whose Go text is known exactly (``text``), possibly already starting
    with ``error: `` (kubectl then does not add a second one)."""

    def __init__(self, text: str):
        super().__init__(text if text.startswith("error: ") else "error: " + text)
        self.text = text


def line_for(err: BaseException) -> str:
    """One error's line inside ``MultipleErrors`` (client-side errors lose their prefix)."""
    if isinstance(err, GoError):
        return err.text
    if isinstance(err, api_errors.StatusError):
        return standard_message(err)
    if isinstance(err, CommandError):
        msg = err.message
        return msg[len("error: "):] if msg.startswith("error: ") else msg
    return str(err)


class MultipleErrors(Exception):
    """``utilerrors.Aggregate`` of several errors: printed one per line."""

    def __init__(self, errs: list[BaseException]):
        super().__init__("\n".join(line_for(e) for e in errs))
        self.errs = errs

    def text(self) -> str:
        return "\n".join(line_for(e) for e in self.errs)


def aggregate(errs: list[BaseException]) -> BaseException | None:
    """``utilerrors.NewAggregate`` then ``CheckErr``'s unwrapping of a single error."""
    if not errs:
        return None
    if len(errs) == 1:
        return errs[0]
    return MultipleErrors(errs)
