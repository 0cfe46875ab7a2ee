"""A fake BigBlueButton server, written from the API documentation, for the tests.

https://docs.bigbluebutton.org/development/api/ — it checks every call's checksum the way BBB
does (SHA-1 or SHA-256 over call name + query string + secret), keeps meetings in memory,
answers ``create`` idempotently, and answers a ``join`` with a redirect into the "client".
It runs on 127.0.0.1 on a free port, in a thread.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from werkzeug.serving import make_server

SECRET = "fake-bbb-shared-secret"


def _xml(body: str) -> bytes:
    return f"<response>{body}</response>".encode()


def _failed(key: str, message: str) -> bytes:
    return _xml(
        f"<returncode>FAILED</returncode><messageKey>{key}</messageKey>"
        f"<message>{escape(message)}</message>"
    )


@dataclass
class FakeBBB:
    secret: str = SECRET
    algorithms: tuple[str, ...] = ("sha1", "sha256")
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    recordings: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    url: str = ""

    def _valid(self, call: str, query: str) -> dict[str, str] | None:
        query, sep, checksum = query.rpartition("&checksum=")
        if not sep:
            return None
        for name in self.algorithms:
            if hashlib.new(name, (call + query + self.secret).encode()).hexdigest() == checksum:
                return dict(parse_qsl(query, keep_blank_values=True))
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        call = path.rsplit("/", 1)[-1]
        params = self._valid(call, environ.get("QUERY_STRING", ""))
        body: bytes | None
        if params is None:
            body = _failed("checksumError", "Checksums do not match")
        else:
            self.calls.append((call, params))
            body = self._answer(call, params, start_response)
        if body is None:
            return []  # the answer was a redirect
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body]

    def _answer(self, call: str, params: dict[str, str], start_response: Any) -> bytes | None:
        meeting_id = params.get("meetingID", "")
        meeting: dict[str, Any] | None
        if call == "create":
            meeting = self.meetings.setdefault(
                meeting_id, {"name": params.get("name"), "attendees": [], "params": params}
            )
            return _xml(
                f"<returncode>SUCCESS</returncode><meetingID>{escape(meeting_id)}</meetingID>"
                f"<createTime>1</createTime><hasBeenForciblyEnded>false</hasBeenForciblyEnded>"
                f"<messageKey>{'duplicateWarning' if meeting['params'] is not params else ''}"
                "</messageKey>"
            )
        if call == "join":
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return _failed("notFound", "We could not find a meeting with that meeting ID")
            # Following the URL puts the person in the meeting (one entry per userID).
            meeting["attendees"] = [
                a for a in meeting["attendees"] if a.get("userID") != params.get("userID")
            ] + [params]
            start_response("302 Found", [("Location", f"{self.url}/client/{meeting_id}")])
            return None
        if call == "end":
            if self.meetings.pop(meeting_id, None) is None:
                return _failed("notFound", "We could not find a meeting with that meeting ID")
            return _xml(
                "<returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey>"
            )
        if call == "getMeetingInfo":
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return _failed("notFound", "We could not find a meeting with that meeting ID")
            # As the API documents it: the meeting's state and one <attendee> per person in it.
            people = "".join(
                f"<attendee><userID>{escape(a['userID'])}</userID>"
                f"<fullName>{escape(a['fullName'])}</fullName><role>{a['role']}</role>"
                f"<isPresenter>false</isPresenter><isListeningOnly>false</isListeningOnly>"
                f"<hasJoinedVoice>false</hasJoinedVoice><hasVideo>false</hasVideo>"
                f"<clientType>HTML5</clientType></attendee>"
                for a in meeting["attendees"]
            )
            count = len(meeting["attendees"])
            return _xml(
                f"<returncode>SUCCESS</returncode><meetingName>{escape(meeting['name'] or '')}"
                f"</meetingName><meetingID>{escape(meeting_id)}</meetingID>"
                f"<running>{'true' if count else 'false'}</running>"
                f"<participantCount>{count}</participantCount>"
                f"<moderatorCount>{sum(a['role'] == 'MODERATOR' for a in meeting['attendees'])}"
                f"</moderatorCount><attendees>{people}</attendees>"
            )
        if call == "getRecordings":
            recs = "".join(
                f"<recording><recordID>{r['id']}</recordID><published>true</published>"
                f"<playback><format><url>{escape(r['url'])}</url></format></playback></recording>"
                for r in self.recordings.get(meeting_id, [])
            )
            return _xml(f"<returncode>SUCCESS</returncode><recordings>{recs}</recordings>")
        return _failed("unsupportedRequest", "This request is not supported.")

    def leave(self, meeting_id: str, user_id: str) -> None:
        """Someone closes the meeting tab: they are no longer among its attendees."""
        meeting = self.meetings[meeting_id]
        meeting["attendees"] = [a for a in meeting["attendees"] if a.get("userID") != user_id]


@contextmanager
def running(fake: FakeBBB) -> Iterator[FakeBBB]:
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    fake.url = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, name="fake-bbb", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
