"""IAM/STS emulator for awscheck's tests: moto's server behind a middleware of our own.

Run: target/emulator-venv/bin/python tests/emulator/awscheck_emulator.py [--host H] [--port P]
Prints `READY http://HOST:PORT` once listening; exits on stdin EOF, SIGTERM or SIGINT.
The middleware adds what plain moto lacks (inactive keys rejected, last-used recorded after
the call, AWS-shaped auth errors, root keys, MFA enforcement) and a JSON control API under
/_emulator/.
See README.md beside this file.
"""

import argparse
import ipaddress
import io
import json
import logging
import os
import random
import re
import signal
import socket
import string
import sys
import threading
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs

from werkzeug.serving import make_server

from cloudtrail_history import History, LookupError_

import moto.iam.access_control as access_control
import moto.iam.models as iam_models
from moto import settings
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionAuthenticatorMixin
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

ACCOUNT = DEFAULT_ACCOUNT_ID
ROOT_USER = "root"  # hidden IAM user that holds the root keys inside moto
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
NAMESPACES = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
FAULTS = {  # kind -> (HTTP status, error type, code, message)
    "throttle": (400, "Sender", "Throttling", "Rate exceeded"),
    "server-error": (500, "Receiver", "InternalFailure", "We encountered an internal error. Please try again."),
    "access-denied": (403, "Sender", "AccessDenied", "User: {arn} is not authorized to perform: {service}:{action}"),
    "expired-token": (403, "Sender", "ExpiredToken", "The security token included in the request is expired"),
    "invalid-token": (403, "Sender", "InvalidClientTokenId", "The security token included in the request is invalid."),
    "hang": None,
    "lose-answer": None,
}
AUTH_FAILURES = {"InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken"}
HANG_SECONDS = 120
MFA_CODE_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. "  # sic, AWS's wording
MFA_BOTH_NEEDED = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."


# GetSessionToken credentials: ASIA key ID -> {"secret", "token", "user", "mfa"}. moto only knows
# sessions of assumed roles; on AWS a GetSessionToken session acts as its IAM user (this is how
# MFA-protected self-service works), so the emulator teaches moto that.
SESSIONS = {}
MFA_USERS = set()  # users under the standard "deny everything without MFA" policy
USED_MFA_CODES = set()  # (SerialNumber, TokenCode) pairs: AWS accepts a one-time code once


class SessionAccessKey(access_control.IAMUserAccessKey):
    """A GetSessionToken session, checked and authorised as the user who asked for it."""

    def __init__(self, account_id, partition, access_key_id, session):
        self.account_id = account_id
        self.partition = partition
        self._owner_user_name = session["user"]
        self._access_key_id = access_key_id
        self._secret_access_key = session["secret"]


def teach_moto_user_sessions():
    original_access_key = access_control.create_access_key
    original_last_used = iam_models.IAMBackend.get_access_key_last_used

    def create_access_key(account_id, partition, access_key_id, headers):
        session = SESSIONS.get(access_key_id)
        if session is None:
            return original_access_key(account_id, partition, access_key_id, headers)
        if headers.get("X-Amz-Security-Token") != session["token"]:
            raise access_control.CreateAccessKeyFailure(reason="InvalidToken")
        return SessionAccessKey(account_id, partition, access_key_id, session)

    def get_access_key_last_used(self, access_key_id):
        # moto finds "the caller's own user" through this lookup.
        session = SESSIONS.get(access_key_id)
        if session is not None:
            return {"user_name": session["user"], "last_used": None}
        return original_last_used(self, access_key_id)

    access_control.create_access_key = create_access_key
    iam_models.IAMBackend.get_access_key_last_used = get_access_key_last_used


def teach_moto_mfa_policy():
    """moto ignores policy conditions such as aws:MultiFactorAuthPresent, so the MFA policy of a
    require_mfa user is applied here: after moto checked the signature, before its own policies."""
    original_check = access_control.IAMRequest.check_action_permitted

    def check_action_permitted(self, resource):
        key = self._access_key
        # The session's issue time for aws:TokenIssueTime (teach_moto_token_issue_time); a
        # long-term key has none.
        CURRENT.issued = SESSIONS.get(getattr(key, "_access_key_id", None), {}).get("issued")
        if (self._service == "iam" and getattr(key, "_owner_user_name", None) in MFA_USERS
                and not SESSIONS.get(key._access_key_id, {}).get("mfa")):
            # moto's AccessDeniedError writes "User: ARN is not authorized to perform: ACTION".
            raise access_control.AccessDeniedError(
                user_arn=key.arn, action=f"{self._action} with an explicit deny in an identity-based policy")
        original_check(self, resource)

    access_control.IAMRequest.check_action_permitted = check_action_permitted


CURRENT = threading.local()  # what the request being checked carries


def teach_moto_token_issue_time():
    """moto turns a statement whose condition is not met into a deny, so the deny on older
    sessions (`DateLessThan aws:TokenIssueTime`) would lock out long-term keys too. Evaluated
    here as AWS does: a long-term key has no issue time and the statement does not apply; a
    session's applies when it was issued before the time."""
    original = access_control.IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        condition = self._statement.get("Condition") or {}
        tests = [(operator, key, value) for operator, pairs in condition.items()
                 for key, value in pairs.items()]
        if len(tests) == 1 and tests[0][1].lower() == "aws:tokenissuetime":
            operator, _, before = tests[0]
            issued = getattr(CURRENT, "issued", None)
            if operator != "DateLessThan" or issued is None or not issued < parse_time(before):
                return access_control.PermissionResult.NEUTRAL
            unconditional = {k: v for k, v in self._statement.items() if k != "Condition"}
            return original(access_control.IAMPolicyStatement(unconditional), action, resource,
                            principal, incoming_condition_values)
        return original(self, action, resource, principal, incoming_condition_values)

    access_control.IAMPolicyStatement.is_action_permitted = is_action_permitted


def remember_session(owner_akid, response, mfa):
    """Record a GetSessionToken answer; returns it with a fresh ASIA key ID, as AWS gives
    (moto answers every session with the same AKIA example ID)."""
    found = {name: re.search(rf"<{name}>(.*?)</{name}>".encode(), response, re.S)
             for name in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    owner, partition = find_key_in_partition(owner_akid)
    if owner is None or not all(found.values()):
        return response
    values = {name: unescape(match.group(1).decode()) for name, match in found.items()}
    session_id = "ASIA" + "".join(random.choices(string.ascii_uppercase + string.digits, k=16))
    SESSIONS[session_id] = {"secret": values["SecretAccessKey"], "token": values["SessionToken"],
                            "user": owner.user_name, "mfa": mfa, "partition": partition,
                            "issued": utcnow()}
    return re.sub(rb"<AccessKeyId>.*?</AccessKeyId>", f"<AccessKeyId>{session_id}</AccessKeyId>".encode(),
                  response, count=1)


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def iam(partition="aws"):
    """IAM of one partition. As on AWS, a key works only in its own partition (China and
    GovCloud are separate): moto picks the partition from the signing region."""
    return iam_models.iam_backends[ACCOUNT][partition]


def enable_auth():
    """The in-process twin of `POST /moto-api/reset-auth` with body `0`."""
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0


def parse_time(value):
    """RFC3339 -> naive UTC datetime, as moto stores dates."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"not an RFC3339 date: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def format_time(value):
    return None if value is None else value.isoformat() + "Z"


def error_document(status, service, code, message, error_type="Sender"):
    namespace = NAMESPACES.get(service, NAMESPACES["iam"])
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{error_type}</Type><Code>{code}</Code>'
        f"<Message>{xml_escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", str(uuid.uuid4()))], body.encode()


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Emulator:
    """WSGI middleware: the control API, then faults, checks and rewrites around moto."""

    def __init__(self, app, stopping):
        self.app = app
        self.stopping = stopping  # set when the server shuts down: wakes hanging calls
        self.lock = threading.RLock()
        self.history = History(ACCOUNT)
        self.reset_state()

    def reset_state(self):
        with self.lock:
            self.faults = []
            self.latency_ms = 0
            self.calls = []
            self.sso_logouts = []
            self.history.reset()
            self.root_keys = set()
            SESSIONS.clear()
            MFA_USERS.clear()
            USED_MFA_CODES.clear()

    # ----- WSGI entry -----

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if path.startswith("/_emulator/"):
            status, headers, out = self.control(environ["REQUEST_METHOD"], path[len("/_emulator/"):], body)
        elif path.startswith("/moto-api"):
            return self.app(environ, start_response)
        elif (environ["REQUEST_METHOD"], path) == ("POST", "/logout"):
            status, headers, out = self.sso_logout(environ)
        else:
            status, headers, out = self.aws_call(environ, body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(out))))
        start_response(f"{status} {STATUS_TEXT.get(status, 'Status')}", headers)
        return [out]

    # ----- AWS calls -----

    def aws_call(self, environ, body):
        params = parse_qs(environ.get("QUERY_STRING", ""))
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qs(body.decode("utf-8", "replace")))
        # JSON-protocol services (CloudTrail) name the action in a header, query ones in a field.
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.rsplit(".", 1)[-1] if target else params.get("Action", [""])[0]
        akid, service, region = signing_scope(environ.get("HTTP_AUTHORIZATION", ""))
        with self.lock:
            call = {"action": action, "access_key_id": akid, "service": service,
                    "time": format_time(utcnow())}
            self.calls.append(call)
            latency = self.latency_ms / 1000
            fault = self.take_fault(action, akid, params.get("AccessKeyId", [None])[0])
        # As CloudTrail records it: every signed call, refused ones included, once answered.
        event = dict(call, region=region, source_ip=environ.get("REMOTE_ADDR"),
                     user_agent=environ.get("HTTP_USER_AGENT", ""))
        if latency:
            self.stopping.wait(latency)
        if not akid:
            return error_document(403, service, "MissingAuthenticationToken", "Request is missing Authentication Token")
        if fault == "hang":
            self.stopping.wait(HANG_SECONDS)
        elif fault and fault != "lose-answer":
            status, error_type, code, message = FAULTS[fault]
            key = find_key(akid)
            arn = f"arn:aws:iam::{ACCOUNT}:" + ("root" if akid in self.root_keys else f"user/{key.user_name if key else akid}")
            event["error_code"] = code
            self.history.record(event)
            message = message.format(arn=arn, service=service, action=action)
            if target:
                return json_error(status, JSON_FAULT_CODES.get(code, code), message)
            return error_document(status, service, code, message, error_type)
        if target and service == "cloudtrail" and action == "LookupEvents":
            answer = self.lookup_events(body, akid, region, call["time"])
        else:
            answer = self.answer(environ, params, action, akid, service, region)
        status, _, out = answer
        if status >= 400:
            event["error_code"] = error_code(out) or json_error_code(out)
        elif action in ("GetSessionToken", "AssumeRole"):
            event["response"] = minted_session(out)
        self.history.record(event)
        if fault == "lose-answer":
            drop_connection(environ)
        return answer

    def sso_logout(self, environ):
        """IAM Identity Center's portal `Logout`: the bearer token (an SSO cache's
        `accessToken`) stops working. Unsigned, as on AWS; no token is a 401."""
        token = environ.get("HTTP_X_AMZ_SSO_BEARER_TOKEN", "")
        with self.lock:
            self.calls.append({"action": "Logout", "access_key_id": None, "service": "sso",
                               "time": format_time(utcnow())})
            if not token:
                return json_error(401, "UnauthorizedException", "Session token not found or invalid")
            self.sso_logouts.append(token)
        return 200, [("Content-Type", "application/json")], b""

    def lookup_events(self, body, akid, region, started):
        """CloudTrail's LookupEvents, from the history of calls and injected events."""
        key = find_key(akid)
        if key is None and akid not in SESSIONS:
            return json_error(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        if key is not None and key.status != "Active":
            return json_error(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        try:
            request = json.loads(body or b"{}")
            answer = self.history.lookup(region, request, user_of_key, started)
        except LookupError_ as e:
            return json_error(e.status, e.code, e.message)
        except ValueError as e:
            return json_error(400, "SerializationException", str(e))
        return 200, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(answer).encode()

    def answer(self, environ, params, action, akid, service, region):
        """The call carried out: moto's answer with the emulator's checks and rewrites."""
        key = find_key(akid)
        if key is not None and key.status != "Active":
            return error_document(403, service, "InvalidClientTokenId",
                                  "The security token included in the request is invalid.")
        status, headers, out = self.forward(environ)
        code = error_code(out) if status >= 400 else None
        if key is not None and code not in AUTH_FAILURES:
            # As AWS does: the key was used (even if the call was then denied). Recorded after
            # the call, so GetAccessKeyLastUsed signed by the key reports the use before it.
            key.last_used = iam_models.AccessKeyLastUsed(timestamp=utcnow(), service=service, region=region)
        if status >= 400 and b"<Errors>" in out:
            # moto's auth errors (<ErrorResponse><Errors><Error>) are not what AWS SDKs parse.
            message = re.search(rb"<Message>(.*?)</Message>", out, re.S)
            message = message.group(1).decode() if message else ""
            return error_document(status, service, code or "InternalFailure", unescape(message))
        if action == "GetSessionToken" and status == 200:
            serial, code = (params.get(name, [None])[0] for name in ("SerialNumber", "TokenCode"))
            if bool(serial) != bool(code):
                return error_document(403, service, "AccessDenied", MFA_BOTH_NEEDED)
            if code is not None:  # moto ignores both; any 6-digit code is valid, but only once
                if not re.fullmatch(r"[0-9]{6}", code) or (serial, code) in USED_MFA_CODES:
                    return error_document(403, service, "AccessDenied", MFA_CODE_FAILED)
                USED_MFA_CODES.add((serial, code))
            out = remember_session(akid, out, mfa=code is not None)
        if action == "GetCallerIdentity" and akid in SESSIONS and status == 200:
            # A GetSessionToken session acts as its IAM user, and AWS names that user; moto
            # answers with a made-up `sts::...:user/moto`.
            user = iam(SESSIONS[akid]["partition"]).users.get(SESSIONS[akid]["user"])
            if user is not None:
                out = re.sub(rb"<Arn>.*?</Arn>", f"<Arn>{user.arn}</Arn>".encode(), out)
                out = re.sub(rb"<UserId>.*?</UserId>", f"<UserId>{user.id}</UserId>".encode(), out)
        if action == "GetCallerIdentity" and akid in self.root_keys and status == 200:
            out = re.sub(rb"<Arn>.*?</Arn>", f"<Arn>arn:aws:iam::{ACCOUNT}:root</Arn>".encode(), out)
            out = re.sub(rb"<UserId>.*?</UserId>", f"<UserId>{ACCOUNT}</UserId>".encode(), out)
        return status, headers, out

    def take_fault(self, action, akid, target_akid):
        for fault in self.faults:
            if (fault["action"] in ("*", action) and fault["access_key_id"] in (None, akid)
                    and fault["except_access_key_id"] != akid
                    and fault["target_access_key_id"] in (None, target_akid)
                    and (akid in SESSIONS or not fault["sessions_only"])):
                if fault["count"] is not None:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                return fault["kind"]
        return None

    def forward(self, environ):
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split()[0]), headers

        result = self.app(environ, start_response)
        try:
            out = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return captured["status"], captured["headers"], out

    # ----- control API -----

    def control(self, method, path, body):
        try:
            data = json.loads(body) if body.strip() else {}
            if not isinstance(data, dict):
                raise ControlError(400, "the body must be a JSON object")
            with self.lock:
                result = self.route(method, path, data)
            return 200, [("Content-Type", "application/json")], json.dumps(result).encode()
        except json.JSONDecodeError as e:
            status, message = 400, f"bad JSON: {e}"
        except ControlError as e:
            status, message = e.status, str(e)
        except Exception as e:  # moto's own errors (e.g. a malformed policy)
            status, message = 400, f"{type(e).__name__}: {getattr(e, 'message', e)}"
        return status, [("Content-Type", "application/json")], json.dumps({"error": message}).encode()

    def route(self, method, path, data):
        if (method, path) == ("POST", "reset"):
            moto_api_backend.reset()
            self.reset_state()
            enable_auth()
            return {"status": "ok"}
        if (method, path) == ("POST", "users"):
            return self.create_user(required(data, "user"), data.get("policy"), data.get("require_mfa", False))
        if path.startswith("users/") and path.endswith("/keys") and method == "GET":
            user = iam().users.get(path[len("users/"):-len("/keys")])
            if user is None:
                raise ControlError(404, f"no user {path[len('users/'):-len('/keys')]}")
            return [{"access_key_id": key.access_key_id, "status": key.status, "created": format_time(key.create_date)}
                    for key in user.access_keys]
        if (method, path) == ("POST", "keys"):
            return self.create_key(data)
        if path.startswith("keys/") and method in ("GET", "PATCH"):
            key = find_key(path[len("keys/"):])
            if key is None:
                raise ControlError(404, f"no access key {path[len('keys/'):]}")
            if method == "PATCH":
                update_key(key, data)
            return self.describe_key(key)
        if (method, path) == ("POST", "faults"):
            kind = data.get("kind")
            if kind not in FAULTS:
                raise ControlError(400, f"kind must be one of {sorted(FAULTS)}")
            count = data.get("count")
            if count is not None and (not isinstance(count, int) or count < 1):
                raise ControlError(400, "count must be a positive integer")
            if not isinstance(data.get("sessions_only", False), bool):
                raise ControlError(400, "sessions_only must be true or false")
            fault = {"action": required(data, "action"), "kind": kind, "count": count,
                     "access_key_id": data.get("access_key_id"),
                     "except_access_key_id": data.get("except_access_key_id"),
                     "target_access_key_id": data.get("target_access_key_id"),
                     "sessions_only": data.get("sessions_only", False)}
            self.faults.append(fault)
            return fault
        if (method, path) == ("DELETE", "faults"):
            self.faults = []
            return {"status": "ok"}
        if (method, path) == ("POST", "latency"):
            ms = data.get("ms")
            if not isinstance(ms, (int, float)) or ms < 0:
                raise ControlError(400, "ms must be a number >= 0")
            self.latency_ms = ms
            return {"ms": ms}
        if (method, path) == ("GET", "calls"):
            return list(self.calls)
        if (method, path) == ("DELETE", "calls"):
            self.calls = []
            return {"status": "ok"}
        if (method, path) == ("POST", "events"):
            try:
                return self.history.inject(data)
            except ValueError as e:
                raise ControlError(400, str(e))
        if (method, path) == ("GET", "events"):
            return list(self.history.injected)
        if (method, path) == ("GET", "sso/logouts"):
            return list(self.sso_logouts)
        raise ControlError(404, f"no control endpoint {method} /_emulator/{path}")

    def create_user(self, name, policy=None, require_mfa=False, partition="aws"):
        if not isinstance(require_mfa, bool):
            raise ControlError(400, "require_mfa must be true or false")
        backend = iam(partition)
        user = backend.users.get(name) or backend.create_user(region_name="us-east-1", user_name=name)
        backend.put_user_policy(name, "awscheck-emulator", json.dumps(policy or ALLOW_ALL))
        if require_mfa:
            MFA_USERS.add(name)
        else:
            MFA_USERS.discard(name)
        return {"user": name, "arn": user.arn, "require_mfa": require_mfa}

    def create_key(self, data):
        root = bool(data.get("root", False))
        name = ROOT_USER if root else required(data, "user")
        partition = data.get("partition", "aws")
        if partition not in PARTITIONS:
            raise ControlError(400, f"partition must be one of {', '.join(PARTITIONS)}")
        if name not in iam(partition).users:
            self.create_user(name, partition=partition)
        for field in ("created", "last_used"):  # fail before creating anything
            if data.get(field) is not None:
                parse_time(data[field])
        status = data.get("status", "Active")
        if status not in ("Active", "Inactive"):
            raise ControlError(400, "status must be Active or Inactive")
        if len(iam(partition).users[name].access_keys) >= iam_models.LIMIT_KEYS_PER_USER:
            raise ControlError(409, f"{name} already has {iam_models.LIMIT_KEYS_PER_USER} access keys (AWS's limit)")
        key = iam(partition).create_access_key(name, status=status)
        update_key(key, data)
        if root:
            self.root_keys.add(key.access_key_id)
        return {"access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key, "user": name}

    def describe_key(self, key):
        used = key.last_used
        return {"user": key.user_name, "status": key.status, "created": format_time(key.create_date),
                "last_used": format_time(used.timestamp) if used else None,
                "last_used_service": used.service if used else None,
                "last_used_region": used.region if used else None,
                "root": key.access_key_id in self.root_keys}


def required(data, field):
    if not data.get(field):
        raise ControlError(400, f"missing field {field!r}")
    return data[field]


def update_key(key, data):
    if "status" in data:
        if data["status"] not in ("Active", "Inactive"):
            raise ControlError(400, "status must be Active or Inactive")
        key.status = data["status"]
    if data.get("created") is not None:
        key.create_date = parse_time(data["created"])
    old = key.last_used
    if "last_used" in data and data["last_used"] is None:
        key.last_used = None
    elif data.get("last_used") is not None or (old and ("last_used_service" in data or "last_used_region" in data)):
        when = parse_time(data["last_used"]) if data.get("last_used") is not None else old.timestamp
        key.last_used = iam_models.AccessKeyLastUsed(
            timestamp=when,
            service=data.get("last_used_service") or (old.service if old else "iam"),
            region=data.get("last_used_region") or (old.region if old else "us-east-1"),
        )
    elif "last_used_service" in data or "last_used_region" in data:
        raise ControlError(400, "last_used_service/last_used_region need a last_used date")


def find_key(akid):
    return find_key_in_partition(akid)[0]


def find_key_in_partition(akid):
    """(key, its partition), or (None, None)."""
    if not akid:
        return None, None
    for partition in PARTITIONS:
        for user in list(iam(partition).users.values()):
            for key in user.access_keys:
                if key.access_key_id == akid:
                    return key, partition
    return None, None


class EmulatorRequestHandler(MotoRequestHandler):
    """Keeps the SSO portal's `x-amz-sso_bearer_token` header, which werkzeug drops for the
    underscore in its name."""

    def make_environ(self):
        environ = super().make_environ()
        token = self.headers.get("x-amz-sso_bearer_token")
        if token is not None:
            environ["HTTP_X_AMZ_SSO_BEARER_TOKEN"] = token
        return environ


def drop_connection(environ):
    """Loses the answer of a call already carried out: the client sees the connection closed
    without any response, at once, as after a server crash or a reset."""
    connection = environ["werkzeug.socket"]
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client is gone already
    # werkzeug takes this for a client that went away: it writes nothing and logs nothing.
    raise ConnectionAbortedError("lose-answer fault")


def signing_scope(authorization):
    """`AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...` -> (akid, service, region)."""
    match = re.search(r"Credential=([^/,\s]+)/[^/]*/([^/]*)/([^/]*)/", authorization)
    return (match.group(1), match.group(3).lower(), match.group(2)) if match else (None, "iam", "us-east-1")


# The codes JSON-protocol services answer with where query services say Throttling or
# InvalidClientTokenId.
JSON_FAULT_CODES = {"Throttling": "ThrottlingException", "InvalidClientTokenId": "UnrecognizedClientException",
                    "AccessDenied": "AccessDeniedException"}


def json_error(status, code, message):
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)], body


def json_error_code(body):
    try:
        return json.loads(body).get("__type")
    except (ValueError, AttributeError):
        return None


def minted_session(body):
    """What CloudTrail keeps of a session a call handed out: its key ID and expiry."""
    key = re.search(rb"<AccessKeyId>(.*?)</AccessKeyId>", body)
    expiry = re.search(rb"<Expiration>(.*?)</Expiration>", body)
    if not key:
        return None
    return {"credentials": {"accessKeyId": key.group(1).decode(),
                            "expiration": expiry.group(1).decode() if expiry else None}}


def user_of_key(akid):
    key = find_key(akid)
    if key is not None:
        return key.user_name
    session = SESSIONS.get(akid)
    return session["user"] if session else akid


def error_code(body):
    match = re.search(rb"<Code>(.*?)</Code>", body)
    return match.group(1).decode() if match else None


def unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


STATUS_TEXT = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
               500: "Internal Server Error"}


def wait_for_eof(stop):
    # os.read, not sys.stdin: a thread blocked in a buffered read aborts interpreter shutdown.
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    stop.set()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--no-stdin", action="store_true", help="do not exit on stdin EOF")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                        help="also serve HTTPS on a second free port, with this certificate and key (PEM)")
    args = parser.parse_args()
    host = "127.0.0.1" if args.host == "localhost" else args.host
    if not ipaddress.ip_address(host).is_loopback:
        parser.error("--host must be a loopback address")

    ready_out, sys.stdout = sys.stdout, sys.stderr  # stdout carries the READY line only
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)
    # AWS managed policies (AdministratorAccess, ReadOnlyAccess, ...) exist in every account.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    iam_models.mark_account_as_visited = lambda **_: None  # last use is recorded by Emulator instead
    teach_moto_user_sessions()
    teach_moto_mfa_policy()
    teach_moto_token_issue_time()
    enable_auth()

    dispatcher = DomainDispatcherApplication(create_backend_app)
    for service in ("iam", "sts"):  # build them now rather than on the first call
        dispatcher.app_instances[service] = create_backend_app(service)
    stopping = threading.Event()
    emulator = Emulator(dispatcher, stopping)
    server = make_server(host, args.port, emulator, threaded=True,
                         request_handler=EmulatorRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers = [server]
    if args.tls:
        tls_server = make_server(host, 0, emulator, threaded=True,
                                 request_handler=EmulatorRequestHandler, ssl_context=tuple(args.tls))
        threading.Thread(target=tls_server.serve_forever, daemon=True).start()
        servers.append(tls_server)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if not args.no_stdin:  # the test harness holds a pipe to our stdin and drops it to stop us
        threading.Thread(target=wait_for_eof, args=(stop,), daemon=True).start()

    url_host = f"[{host}]" if ":" in host else host
    urls = [f"http://{url_host}:{server.server_port}"]
    urls += [f"https://{url_host}:{tls.server_port}" for tls in servers[1:]]
    print(f"READY {' '.join(urls)}", file=ready_out, flush=True)
    while not stop.wait(0.2):
        pass
    stopping.set()
    for each in servers:
        each.shutdown()
        each.server_close()


if __name__ == "__main__":
    main()
