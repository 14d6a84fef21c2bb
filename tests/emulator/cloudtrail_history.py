"""CloudTrail's event history (`LookupEvents`) for the emulator, which moto does not serve.

Every call the emulator answers becomes an event, as CloudTrail records management events: who
signed it (access key, user), when, which service and action, the signing region, the caller's
IP address and user agent, and the error AWS answered with. Tests add events of their own (an
attacker's IP, a scanner's user agent, a burst of AccessDenied) through the control API. A
lookup sees the events of its own region only, newest first, in pages of at most 50, and more
than 2 lookups a second per region are throttled, as on AWS.
"""

import json
import threading
import time
import uuid
from datetime import datetime, timezone

LOOKUPS_PER_SECOND = 2
PAGE_MAX = 50
DEFAULT_SOURCE_IP = "127.0.0.1"
# What AWS says of a read-only call: the names of the actions that only read.
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Lookup")


class LookupError_(Exception):
    """A LookupEvents error: (HTTP status, error type, message)."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class History:
    def __init__(self, account):
        self.account = account
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.recorded = []  # events made from the emulator's calls
            self.injected = []  # events a test added
            self.lookups = {}  # region -> times of the recent accepted lookups

    def record(self, call):
        """An event for one answered call: a dict the caller fills in as the call goes on
        (`error_code`, `response`)."""
        event = dict(call, event_id=str(uuid.uuid4()))
        with self.lock:
            self.recorded.append(event)
        return event

    def inject(self, data):
        for field in ("access_key_id", "event_name"):
            if not data.get(field):
                raise ValueError(f"{field} is required")
        event = {
            "event_id": str(uuid.uuid4()),
            "access_key_id": data["access_key_id"],
            "user": data.get("user"),
            "action": data["event_name"],
            "service": data.get("event_source", "iam.amazonaws.com").split(".")[0],
            "time": data.get("time") or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": data.get("region", "us-east-1"),
            "source_ip": data.get("source_ip", "198.51.100.7"),
            "user_agent": data.get("user_agent", "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0"),
            "error_code": data.get("error_code"),
            "response": data.get("response"),
        }
        parse_time(event["time"])  # a bad time is refused now, not at lookup
        with self.lock:
            self.injected.append(event)
        return event

    def lookup(self, region, request, user_of, started):
        """The answer to LookupEvents in `region`, as of `started` (when the first page was
        asked for: later pages see the same events); `user_of(akid)` names a key's user."""
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.lookups.get(region, []) if now - t < 1.0]
            if len(recent) >= LOOKUPS_PER_SECOND:
                self.lookups[region] = recent
                raise LookupError_(400, "ThrottlingException", "Rate exceeded")
            recent.append(now)
            self.lookups[region] = recent
            events = [e for e in self.recorded + self.injected if e["region"] == region]
        size = request.get("MaxResults", PAGE_MAX)
        if not isinstance(size, int) or not 1 <= size <= PAGE_MAX:
            raise LookupError_(400, "InvalidMaxResultsException", "MaxResults must be 1 to 50")
        start, as_of = 0, started
        if request.get("NextToken"):
            start, as_of = read_token(request["NextToken"], request)
        wanted = select(request)
        cutoff = parse_time(as_of)
        events = [e for e in events if wanted(e) and parse_time(e["time"]) < cutoff]
        events.sort(key=lambda e: parse_time(e["time"]), reverse=True)
        page = events[start:start + size]
        answer = {"Events": [self.as_aws_event(e, user_of) for e in page]}
        if start + size < len(events):
            answer["NextToken"] = make_token(start + size, as_of, request)
        return answer

    def as_aws_event(self, event, user_of):
        user = event.get("user") or user_of(event["access_key_id"])
        seconds = parse_time(event["time"]).timestamp()
        read_only = event["action"].startswith(READ_ONLY_PREFIXES)
        record = {
            "eventVersion": "1.08",
            "userIdentity": {
                "type": "IAMUser",
                "arn": f"arn:aws:iam::{self.account}:user/{user}",
                "accountId": self.account,
                "accessKeyId": event["access_key_id"],
                "userName": user,
            },
            "eventTime": parse_time(event["time"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": f"{event['service']}.amazonaws.com",
            "eventName": event["action"],
            "awsRegion": event["region"],
            "sourceIPAddress": event.get("source_ip") or DEFAULT_SOURCE_IP,
            "userAgent": event.get("user_agent") or "",
            "requestParameters": None,
            "responseElements": event.get("response"),
            "eventID": event["event_id"],
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": self.account,
        }
        if event.get("error_code"):
            record["errorCode"] = event["error_code"]
            record["errorMessage"] = f"{event['error_code']} answered to {event['action']}"
        return {
            "EventId": event["event_id"],
            "EventName": event["action"],
            "ReadOnly": "true" if read_only else "false",
            "AccessKeyId": event["access_key_id"],
            "EventTime": seconds,
            "EventSource": record["eventSource"],
            "Username": user,
            "Resources": [],
            "CloudTrailEvent": json.dumps(record),
        }


def select(request):
    """The filter of a LookupEvents request: one lookup attribute at most, and a time range."""
    attributes = request.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise LookupError_(400, "InvalidLookupAttributesException", "only one lookup attribute is allowed")
    fields = {"AccessKeyId": "access_key_id", "EventName": "action", "Username": "user"}
    attribute = attributes[0] if attributes else None
    if attribute and attribute.get("AttributeKey") not in fields:
        raise LookupError_(400, "InvalidLookupAttributesException",
                           f"the emulator looks up by {', '.join(fields)}")
    start, end = request.get("StartTime"), request.get("EndTime")

    def wanted(event):
        if attribute and event.get(fields[attribute["AttributeKey"]]) != attribute.get("AttributeValue"):
            return False
        seconds = parse_time(event["time"]).timestamp()
        return (start is None or seconds >= start) and (end is None or seconds <= end)

    return wanted


def make_token(offset, as_of, request):
    return json.dumps({"offset": offset, "as_of": as_of, "query": query_of(request)})


def read_token(token, request):
    try:
        data = json.loads(token)
        if data["query"] == query_of(request) and isinstance(data["offset"], int):
            parse_time(data["as_of"])
            return data["offset"], data["as_of"]
    except (ValueError, KeyError, TypeError):
        pass
    raise LookupError_(400, "InvalidNextTokenException", "the token is not one of this query's")


def query_of(request):
    return [request.get("LookupAttributes"), request.get("StartTime"), request.get("EndTime")]


def parse_time(text):
    """RFC 3339 in UTC, with or without fractions of a second."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
